"""IMDB movie-review sentiment (keras.datasets.imdb), read from Keras' cache: imdb.npz and
imdb_word_index.json in ~/.keras/datasets (or $KERAS_HOME/datasets). Nothing downloads."""

from __future__ import annotations

import numpy as np

from lamina.datasets import _keras_cache as cache


def load_data(path: str = "imdb.npz", num_words=None, skip_top: int = 0, maxlen=None, seed: int = 113, start_char=1,
              oov_char=2, index_from: int = 3, **kwargs):
    """Reviews as lists of word ids and their 0/1 labels, processed as Keras does.

    Args:
        path: the file name in the cache.
        num_words: keep the most frequent words (ids below num_words); others become oov_char.
        skip_top: ids below this also become oov_char.
        maxlen: drop sequences of maxlen words or more.
        seed: the shuffling seed.
        start_char: the id prepended to every review (None for none).
        oov_char: the id for dropped words (None removes them).
        index_from: word ids are shifted up by this.

    Returns:
        `(x_train, y_train), (x_test, y_test)`; x as object arrays of lists.
    """
    if kwargs:
        raise TypeError(f"imdb.load_data: unrecognized arguments {sorted(kwargs)}")
    f = cache.load_npz(cache.cached_file(path, "imdb", cache.ORIGIN + "imdb.npz"))
    rng = np.random.RandomState(seed)
    parts = []
    for split in ("train", "test"):
        x, y = f[f"x_{split}"], f[f"y_{split}"]
        idx = np.arange(len(x))
        rng.shuffle(idx)
        parts.append((x[idx], y[idx]))
    (x_train, y_train), (x_test, y_test) = parts
    x_train = cache.encode_sequences(x_train, start_char, index_from)
    x_test = cache.encode_sequences(x_test, start_char, index_from)
    if maxlen:
        x_train, y_train = cache.drop_long(maxlen, x_train, y_train)
        x_test, y_test = cache.drop_long(maxlen, x_test, y_test)
        if not x_train or not x_test:
            raise ValueError(f"imdb.load_data: no sequence is shorter than maxlen={maxlen}; increase maxlen")
    xs = cache.limit_vocabulary(x_train + x_test, num_words, skip_top, oov_char)
    labels = np.concatenate([y_train, y_test])
    n = len(x_train)
    return (np.array(xs[:n], dtype="object"), labels[:n]), (np.array(xs[n:], dtype="object"), labels[n:])


def get_word_index(path: str = "imdb_word_index.json") -> dict:
    """The word -> id dict (ids before the index_from shift)."""
    return cache.load_word_index(path, "imdb")
