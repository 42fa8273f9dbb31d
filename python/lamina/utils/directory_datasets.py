"""Datasets from a directory of files, one subdirectory per class, as Keras reads them:
image_dataset_from_directory (Pillow), text_dataset_from_directory, and
audio_dataset_from_directory (.wav through the standard library's `wave`).

Files are listed as Keras lists them (classes are the sorted subdirectory names, files walked
in sorted order, shuffled with `numpy.random.RandomState(seed)`, the validation split taken
from the end), and batches come as a lamina Dataset of numpy arrays.
"""

from __future__ import annotations

import os
import wave

import numpy as np

from lamina.data import Dataset

IMAGE_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")


def _index_directory(directory, labels, formats, class_names, shuffle, seed, follow_links, verbose):
    if not os.path.isdir(directory):
        raise ValueError(f"The directory {directory!r} does not exist")
    if labels == "inferred":
        subdirs = sorted(d for d in os.listdir(directory) if os.path.isdir(os.path.join(directory, d)) and not d.startswith("."))
        if class_names is not None:
            if not set(class_names) <= set(subdirs):
                raise ValueError(f"class_names {class_names} do not match the subdirectories of {directory!r}: {subdirs}")
            subdirs = list(class_names)
    else:
        if class_names is not None:
            raise ValueError("class_names can only be given with labels='inferred'")
        subdirs = [""]
    files, file_labels = [], []
    for index, sub in enumerate(subdirs):
        root = os.path.join(directory, sub)
        found = []
        for dirpath, dirnames, names in os.walk(root, followlinks=follow_links):
            dirnames.sort()
            found += [os.path.join(dirpath, n) for n in sorted(names) if n.lower().endswith(formats)]
        found.sort()
        files += found
        file_labels += [index] * len(found)
    if labels == "inferred":
        label_array = np.asarray(file_labels, dtype="int32")
        names = subdirs
    elif labels is None:
        label_array, names = None, None
    else:
        label_array = np.asarray(labels)
        if len(label_array) != len(files):
            raise ValueError(f"{len(labels)} labels were given but {directory!r} holds {len(files)} files")
        names = [str(v) for v in sorted(set(label_array.tolist()))]
    if verbose:
        print(f"Found {len(files)} files." if label_array is None
              else f"Found {len(files)} files belonging to {len(names)} classes.")
    if shuffle:
        seed = np.random.randint(1e6) if seed is None else seed
        np.random.RandomState(seed).shuffle(files)
        if label_array is not None:
            np.random.RandomState(seed).shuffle(label_array)
    return files, label_array, names


def _split(files, labels, validation_split, subset, seed, shuffle):
    if validation_split is None:
        if subset is not None:
            raise ValueError("subset needs validation_split")
        return [(files, labels)]
    if not 0 < validation_split < 1:
        raise ValueError(f"validation_split must be in (0, 1), got {validation_split}")
    if subset not in ("training", "validation", "both"):
        raise ValueError(f'subset must be "training", "validation" or "both" with validation_split, got {subset!r}')
    if shuffle and seed is None:
        raise ValueError("With validation_split and shuffle, pass a seed so the two subsets do not overlap")
    n_val = int(validation_split * len(files))
    train = (files[: len(files) - n_val], None if labels is None else labels[: len(files) - n_val])
    val = (files[len(files) - n_val:], None if labels is None else labels[len(files) - n_val:])
    return {"training": [train], "validation": [val], "both": [train, val]}[subset]


def _encode_labels(labels, label_mode, num_classes):
    if label_mode == "int":
        return labels.astype("int32")
    if label_mode == "binary":
        if num_classes != 2:
            raise ValueError(f'label_mode="binary" needs exactly 2 classes, found {num_classes}')
        return labels.astype("float32").reshape(-1, 1)
    if label_mode == "categorical":
        return np.eye(num_classes, dtype="float32")[labels]
    raise ValueError(f'label_mode must be "int", "categorical", "binary" or None, got {label_mode!r}')


def _dataset(files, labels, load, batch_size, label_mode, num_classes, collate=np.stack):
    encoded = None if labels is None or label_mode is None else _encode_labels(labels, label_mode, num_classes)

    def element(idx):
        x = collate([load(files[i]) for i in idx])
        return x if encoded is None else (x, encoded[idx])

    n = len(files)
    if batch_size is None:
        return Dataset(lambda: (element([i])[0] if encoded is None else tuple(v[0] for v in element([i])) for i in range(n)), n)
    n_batches = -(-n // batch_size)
    return Dataset(lambda: (element(list(range(i * batch_size, min((i + 1) * batch_size, n)))) for i in range(n_batches)),
                   n_batches)


def _build(directory, labels, label_mode, class_names, formats, batch_size, shuffle, seed, validation_split, subset,
           follow_links, verbose, load, collate=np.stack):
    if labels not in ("inferred", None) and not isinstance(labels, (list, tuple, np.ndarray)):
        raise ValueError(f'labels must be "inferred", None, or a list of labels, got {labels!r}')
    if labels is None:
        label_mode = None
    files, label_array, names = _index_directory(directory, labels, formats, class_names, shuffle, seed, follow_links,
                                                 verbose)
    if label_mode == "binary" and names is not None and len(names) != 2:
        raise ValueError(f'label_mode="binary" needs exactly 2 classes, found {len(names)}: {names}')
    parts = _split(files, label_array, validation_split, subset, seed, shuffle)
    out = []
    for part_files, part_labels in parts:
        ds = _dataset(part_files, part_labels, load, batch_size, label_mode, len(names or []), collate)
        ds.class_names = names
        ds.file_paths = part_files
        out.append(ds)
    return out[0] if len(out) == 1 else out


def image_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None, color_mode="rgb",
                                 batch_size=32, image_size=(256, 256), shuffle=True, seed=None, validation_split=None,
                                 subset=None, interpolation="bilinear", follow_links=False, crop_to_aspect_ratio=False,
                                 pad_to_aspect_ratio=False, data_format=None, format="tf", verbose=True):  # noqa: A002
    """Batches of images (float32, resized to `image_size` by Pillow) and labels from a
    directory with one subdirectory per class.

    Args: as keras.utils.image_dataset_from_directory; `color_mode` is "grayscale", "rgb" or
    "rgba"; `crop_to_aspect_ratio` crops the largest centred box of the target aspect ratio
    before resizing; `format` is accepted for Keras' signature.

    Returns:
        A lamina Dataset (or a list of two with subset="both") with `class_names` and
        `file_paths` attributes.
    """
    from lamina.utils.image_utils import _pil_resample, load_img

    channels = {"grayscale": 1, "rgb": 3, "rgba": 4}.get(color_mode)
    if channels is None:
        raise ValueError(f'color_mode must be "grayscale", "rgb" or "rgba", got {color_mode!r}')
    if pad_to_aspect_ratio:
        raise ValueError("image_dataset_from_directory: pad_to_aspect_ratio=True is not supported by lamina yet")
    _pil_resample(interpolation)
    height, width = image_size
    channels_first = (data_format or "channels_last") == "channels_first"

    def load(path):
        img = load_img(path, color_mode=color_mode)
        if crop_to_aspect_ratio:
            w, h = img.size
            crop_w, crop_h = min(w, int(h * width / height)), min(h, int(w * height / width))
            left, top = (w - crop_w) // 2, (h - crop_h) // 2
            img = img.crop((left, top, left + crop_w, top + crop_h))
        img = img.resize((width, height), _pil_resample(interpolation))
        arr = np.asarray(img, dtype="float32").reshape(height, width, channels)
        return np.transpose(arr, (2, 0, 1)) if channels_first else arr

    return _build(directory, labels, label_mode, class_names, IMAGE_FORMATS, batch_size, shuffle, seed, validation_split,
                  subset, follow_links, verbose, load)


def text_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None, batch_size=32,
                                max_length=None, shuffle=True, seed=None, validation_split=None, subset=None,
                                follow_links=False, format="tf", verbose=True):  # noqa: A002
    """Batches of strings (the .txt files' contents, cut to `max_length` characters) and labels
    from a directory with one subdirectory per class.

    Returns:
        A lamina Dataset (or a list of two with subset="both") with `class_names` and
        `file_paths` attributes; string batches are numpy arrays of Python str (object dtype).
    """

    def load(path):
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        return text[:max_length] if max_length is not None else text

    def collate(texts):
        return np.asarray(texts, dtype=object)

    return _build(directory, labels, label_mode, class_names, (".txt",), batch_size, shuffle, seed, validation_split,
                  subset, follow_links, verbose, load, collate)


def read_wav(path: str) -> tuple[np.ndarray, int]:
    """A .wav file as float32 samples in [-1, 1], shape (frames, channels), and its sampling rate."""
    with wave.open(path, "rb") as w:
        width, channels, rate, frames = w.getsampwidth(), w.getnchannels(), w.getframerate(), w.getnframes()
        raw = w.readframes(frames)
    if width == 1:
        data = (np.frombuffer(raw, np.uint8).astype("float32") - 128.0) / 128.0
    elif width == 2:
        data = np.frombuffer(raw, "<i2").astype("float32") / 32768.0
    elif width == 4:
        data = np.frombuffer(raw, "<i4").astype("float32") / 2147483648.0
    else:
        raise ValueError(f"{path}: {8 * width}-bit wav samples are not supported (8, 16 or 32-bit PCM are)")
    return data.reshape(-1, channels), rate


def audio_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None, batch_size=32,
                                 sampling_rate=None, output_sequence_length=None, ragged=False, shuffle=True, seed=None,
                                 validation_split=None, subset=None, follow_links=False, verbose=True):
    """Batches of audio (float32, shape (batch, frames, channels)) and labels from a directory
    of .wav files with one subdirectory per class.

    Clips are cut or zero-padded to `output_sequence_length`, or else zero-padded to the
    longest clip of their batch. `sampling_rate`, when given, must match the files' rate
    (lamina does not resample). `ragged=True` is not supported (lamina has no ragged tensors).
    """
    if ragged:
        raise ValueError("audio_dataset_from_directory: ragged=True is not supported (lamina has no ragged tensors)")

    def load(path):
        data, rate = read_wav(path)
        if sampling_rate is not None and rate != sampling_rate:
            raise ValueError(f"{path}: sampled at {rate} Hz, but sampling_rate={sampling_rate}; lamina does not resample")
        if output_sequence_length is not None:
            data = data[:output_sequence_length]
            data = np.pad(data, ((0, output_sequence_length - len(data)), (0, 0)))
        return data

    def collate(clips):
        longest = max(len(c) for c in clips)
        return np.stack([np.pad(c, ((0, longest - len(c)), (0, 0))) for c in clips])

    return _build(directory, labels, label_mode, class_names, (".wav",), batch_size, shuffle, seed, validation_split,
                  subset, follow_links, verbose, load, collate)
