"""image/text/audio_dataset_from_directory on small directories written here: Keras' file
order, labels, label modes, validation split, and wav decoding."""

import os
import wave

import numpy as np
import pytest

from lamina import utils


def _tree(tmp_path, ext, writer, per_class=3):
    for cls in ("cats", "dogs"):
        d = tmp_path / cls
        d.mkdir()
        for i in range(per_class):
            writer(d / f"{cls}_{i}{ext}", i + (10 if cls == "dogs" else 0))
    (tmp_path / "readme.md").write_text("not a class")


def test_text_dataset_labels_order_and_split(tmp_path):
    _tree(tmp_path, ".txt", lambda p, v: p.write_text(f"text number {v}"))
    ds = utils.text_dataset_from_directory(str(tmp_path), batch_size=4, shuffle=False, verbose=False)
    assert ds.class_names == ["cats", "dogs"]
    texts, labels = zip(*ds.as_numpy_iterator())
    texts, labels = np.concatenate(texts), np.concatenate(labels)
    assert list(texts) == [f"text number {v}" for v in (0, 1, 2, 10, 11, 12)]
    np.testing.assert_array_equal(labels, [0, 0, 0, 1, 1, 1])
    assert labels.dtype == np.int32
    train, val = utils.text_dataset_from_directory(str(tmp_path), batch_size=None, validation_split=0.34, subset="both",
                                                   seed=3, max_length=6, label_mode="categorical", verbose=False)
    tr, va = list(train.as_numpy_iterator()), list(val.as_numpy_iterator())
    assert len(tr) == 4 and len(va) == 2
    assert all(len(t) == 6 for t, _ in tr + va)
    assert sorted(train.file_paths + val.file_paths) == sorted(
        os.path.join(str(tmp_path), c, f"{c}_{i}.txt") for c in ("cats", "dogs") for i in range(3))
    assert tr[0][1].shape == (2,) and tr[0][1].dtype == np.float32
    with pytest.raises(ValueError, match="seed"):
        utils.text_dataset_from_directory(str(tmp_path), validation_split=0.2, subset="training")


def test_image_dataset(tmp_path):
    pil = pytest.importorskip("PIL.Image") if os.environ.get("CI") != "true" else __import__("PIL.Image").Image

    def write(p, v):
        pil.fromarray(np.full((5, 7, 3), v * 10, np.uint8)).save(p)

    _tree(tmp_path, ".png", write, per_class=2)
    ds = utils.image_dataset_from_directory(str(tmp_path), image_size=(4, 6), batch_size=8, shuffle=False,
                                            label_mode="binary", verbose=False)
    x, y = next(ds.as_numpy_iterator())
    assert x.shape == (4, 4, 6, 3) and x.dtype == np.float32
    np.testing.assert_allclose(x[:, 0, 0, 0], [0, 10, 100, 110])  # constant images survive resizing
    np.testing.assert_array_equal(y[:, 0], [0, 0, 1, 1])
    gray = utils.image_dataset_from_directory(str(tmp_path), image_size=(5, 7), color_mode="grayscale", labels=None,
                                              shuffle=False, verbose=False, data_format="channels_first")
    assert next(gray.as_numpy_iterator()).shape == (4, 1, 5, 7)


def _write_wav(path, frames, rate=8000):
    pcm = (np.clip(frames, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())


def test_audio_dataset_decodes_and_pads(tmp_path):
    _tree(tmp_path, ".wav", lambda p, v: _write_wav(p, np.linspace(-0.5, 0.5, 20 + v)), per_class=2)
    ds = utils.audio_dataset_from_directory(str(tmp_path), batch_size=4, shuffle=False, verbose=False)
    x, y = next(ds.as_numpy_iterator())
    assert x.shape == (4, 31, 1)  # padded to the longest clip (20 + 11 frames)
    np.testing.assert_allclose(x[0, :20, 0], np.linspace(-0.5, 0.5, 20), atol=1e-4)  # 16-bit PCM read as /32768
    assert np.all(x[0, 20:] == 0)
    np.testing.assert_array_equal(y, [0, 0, 1, 1])
    fixed = utils.audio_dataset_from_directory(str(tmp_path), output_sequence_length=25, batch_size=4, shuffle=False,
                                               verbose=False)
    assert next(fixed.as_numpy_iterator())[0].shape == (4, 25, 1)
    with pytest.raises(ValueError, match="resample"):
        list(utils.audio_dataset_from_directory(str(tmp_path), sampling_rate=16000, verbose=False).as_numpy_iterator())
