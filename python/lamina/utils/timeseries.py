"""timeseries_dataset_from_array: sliding windows over a series as a lamina Dataset of batches."""

from __future__ import annotations

import numpy as np

from lamina.data import Dataset


def timeseries_dataset_from_array(data, targets, sequence_length: int, sequence_stride: int = 1, sampling_rate: int = 1,
                                  batch_size: int | None = 128, shuffle: bool = False, seed: int | None = None,
                                  start_index: int | None = None, end_index: int | None = None, format: str = "tf"):  # noqa: A002
    """Batches of windows over `data`, as Keras builds them.

    Window i holds `data[start + p_i + k * sampling_rate]` for k < sequence_length, where
    p_i = i * sequence_stride; its target is `targets[start + p_i]`.

    Args:
        data: an array of timesteps (axis 0).
        targets: targets per timestep, or None for windows only.
        sequence_length: timesteps per window.
        sequence_stride: offset between consecutive windows.
        sampling_rate: offset between timesteps inside a window.
        batch_size: windows per batch (None: unbatched windows).
        shuffle: shuffle the windows (with `seed`).
        seed: the shuffling seed.
        start_index, end_index: use only `data[start_index:end_index]`.
        format: accepted for Keras' signature ("tf" or "grain"); lamina returns its Dataset.

    Returns:
        A lamina Dataset of `(windows, targets)` batches (or `windows` when targets is None).
    """
    data = np.asarray(data)
    n = len(data)
    if start_index and not 0 <= start_index < n:
        raise ValueError(f"timeseries_dataset_from_array: start_index must be in [0, {n}), got {start_index}")
    if end_index and (end_index >= n or end_index <= 0 or (start_index and end_index <= start_index)):
        raise ValueError(f"timeseries_dataset_from_array: end_index must be in ({start_index or 0}, {n}), got {end_index}")
    for name, v in (("sampling_rate", sampling_rate), ("sequence_stride", sequence_stride)):
        if v <= 0 or v >= n:
            raise ValueError(f"timeseries_dataset_from_array: {name} must be in [1, {n}), got {v}")
    if format not in ("tf", "grain"):
        raise ValueError(f'timeseries_dataset_from_array: format should be "tf" or "grain", got {format!r}')
    start = start_index or 0
    end = end_index or n
    num_seqs = end - start - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = np.asarray(targets)
        num_seqs = min(num_seqs, len(targets))
    positions = np.arange(0, max(num_seqs, 0), sequence_stride)
    if shuffle:
        np.random.RandomState(np.random.randint(1e6) if seed is None else seed).shuffle(positions)
    window = np.arange(sequence_length) * sampling_rate
    sliced_data = data[start:end]
    sliced_targets = None if targets is None else targets[start:end]

    def element(pos):
        x = sliced_data[pos[..., None] + window]
        return x if sliced_targets is None else (x, sliced_targets[pos])

    if batch_size is None:
        return Dataset(lambda: (element(np.asarray(p)) for p in positions), len(positions))
    n_batches = -(-len(positions) // batch_size)
    return Dataset(lambda: (element(positions[i * batch_size:(i + 1) * batch_size]) for i in range(n_batches)), n_batches)
