"""Reuters newswire topics (keras.datasets.reuters), read from Keras' cache: reuters.npz and
reuters_word_index.json in ~/.keras/datasets (or $KERAS_HOME/datasets). Nothing downloads."""

from __future__ import annotations

import numpy as np

from lamina.datasets import _keras_cache as cache


def load_data(path: str = "reuters.npz", num_words=None, skip_top: int = 0, maxlen=None, test_split: float = 0.2,
              seed: int = 113, start_char=1, oov_char=2, index_from: int = 3):
    """Newswires as lists of word ids and their topic labels (46 topics), processed as Keras
    does; the arguments are imdb.load_data's, with `test_split` the fraction kept for testing.

    Returns:
        `(x_train, y_train), (x_test, y_test)`; x as object arrays of lists.
    """
    f = cache.load_npz(cache.cached_file(path, "reuters", cache.ORIGIN + "reuters.npz"))
    xs, labels = f["x"], f["y"]
    idx = np.arange(len(xs))
    np.random.RandomState(seed).shuffle(idx)
    xs, labels = xs[idx], labels[idx]
    xs = cache.encode_sequences(xs, start_char, index_from)
    if maxlen:
        xs, labels = cache.drop_long(maxlen, xs, labels)
    xs = cache.limit_vocabulary(xs, num_words, skip_top, oov_char)
    cut = int(len(xs) * (1 - test_split))
    return ((np.array(xs[:cut], dtype="object"), np.array(labels[:cut])),
            (np.array(xs[cut:], dtype="object"), np.array(labels[cut:])))


def get_word_index(path: str = "reuters_word_index.json") -> dict:
    """The word -> id dict (ids before the index_from shift)."""
    return cache.load_word_index(path, "reuters")


def get_label_names() -> tuple:
    """The 46 topic names, indexed by label."""
    return ("cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply", "coffee", "sugar",
            "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas", "cpi", "money-fx", "interest", "gnp",
            "meal-feed", "alum", "oilseed", "gold", "tin", "strategic-metal", "livestock", "retail", "ipi", "iron-steel",
            "rubber", "heat", "jobs", "lei", "bop", "zinc", "orange", "pet-chem", "dlr", "gas", "silver", "wpi", "hog",
            "lead")
