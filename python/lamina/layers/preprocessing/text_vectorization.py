"""TextVectorization: standardize, split, n-grams, then a StringLookup (int ids padded to a
rectangle, or multi_hot/count/tf_idf vectors)."""

from __future__ import annotations

import re

import numpy as np

from lamina import _core
from lamina.layers.layer import Layer
from lamina.layers.preprocessing.index_lookup import StringLookup

_PUNCTUATION = re.compile(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')


class TextVectorization(Layer):
    """Turns strings into token ids or token vectors.

    Args:
        max_tokens: the largest vocabulary (the mask "" and OOV "[UNK]" included in "int" mode).
        standardize: "lower_and_strip_punctuation" (default), "lower", "strip_punctuation",
            None, or a callable on a numpy array of strings.
        split: "whitespace" (default), "character", None, or a callable (string -> tokens).
        ngrams: None, an int n (1..n-grams) or a tuple of n-gram sizes; joined by " ".
        output_mode: "int" (default), "multi_hot", "count" or "tf_idf".
        output_sequence_length: in "int" mode, pad or truncate to this length.
        pad_to_max_tokens: vector outputs have `max_tokens` columns.
        vocabulary, idf_weights: a given vocabulary (else `adapt`), idf weights for "tf_idf".
        sparse, ragged: True raises (no sparse or ragged tensors in lamina).
        encoding: "utf-8".
    """

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation", split="whitespace", ngrams=None,
                 output_mode="int", output_sequence_length=None, pad_to_max_tokens=False, vocabulary=None,
                 idf_weights=None, sparse=False, ragged=False, encoding="utf-8", name=None, vocabulary_size=None,
                 **kwargs):
        super().__init__(name=name, **kwargs)
        if output_mode not in ("int", "multi_hot", "count", "tf_idf"):
            raise ValueError(f"TextVectorization: invalid output_mode {output_mode!r}")
        if sparse or ragged:
            raise ValueError("TextVectorization: sparse and ragged outputs are not supported by lamina")
        if output_sequence_length is not None and output_mode != "int":
            raise ValueError("`output_sequence_length` must not be set if `output_mode` is not 'int'. "
                             f"Received output_sequence_length={output_sequence_length}.")
        if isinstance(ngrams, int) and ngrams < 1 or (ngrams is not None and not isinstance(ngrams, (int, tuple, list))):
            raise ValueError(f"`ngrams` must be None, an integer, or a tuple of integers. Received: ngrams={ngrams}")
        self.standardize, self.split, self.ngrams = standardize, split, ngrams
        self._ngram_sizes = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self.output_mode, self.output_sequence_length = output_mode, output_sequence_length
        self.sparse, self.ragged, self.encoding = sparse, ragged, encoding
        self._lookup = StringLookup(max_tokens=max_tokens, num_oov_indices=1,
                                    mask_token="" if output_mode == "int" else None, oov_token="[UNK]",
                                    vocabulary=vocabulary, idf_weights=idf_weights, output_mode=output_mode,
                                    pad_to_max_tokens=pad_to_max_tokens, encoding=encoding,
                                    name=f"{self.name}_string_lookup")
        self.built = True

    # -- text to tokens --------------------------------------------------------------------------

    def _standardize(self, texts: np.ndarray) -> np.ndarray:
        if callable(self.standardize):
            return np.asarray(self.standardize(texts), dtype=object)
        out = texts
        if self.standardize in ("lower", "lower_and_strip_punctuation"):
            out = np.array([t.lower() for t in out.tolist()], dtype=object)
        if self.standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
            out = np.array([_PUNCTUATION.sub("", t) for t in out.tolist()], dtype=object)
        return out

    def _tokenize(self, data) -> list:
        """One list of tokens per input string."""
        texts = np.asarray(data, dtype=object)
        if texts.ndim > 1:
            if texts.shape[-1] != 1:
                raise ValueError("When using `TextVectorization` to tokenize strings, the input rank must be 1 or the "
                                 f"last shape dimension must be 1. Received: inputs.shape={texts.shape}")
            texts = texts.reshape(-1)
        texts = np.array([t.decode(self.encoding) if isinstance(t, bytes) else str(t) for t in texts.reshape(-1)],
                         dtype=object)
        texts = self._standardize(texts)
        if self.split is None:
            docs = [[t] for t in texts.tolist()]
        elif self.split == "whitespace":
            docs = [t.split() for t in texts.tolist()]
        elif self.split == "character":
            docs = [list(t) for t in texts.tolist()]
        elif callable(self.split):
            docs = [list(self.split(t)) for t in texts.tolist()]
        else:
            raise ValueError(f"TextVectorization: invalid split {self.split!r}")
        if self._ngram_sizes:
            docs = [[" ".join(doc[i:i + n]) for n in self._ngram_sizes for i in range(len(doc) - n + 1)] for doc in docs]
        return docs

    # -- vocabulary ------------------------------------------------------------------------------

    def adapt(self, data, batch_size=None, steps=None) -> None:
        """Learns the vocabulary (and idf weights) from strings or batches of strings."""
        whole = isinstance(data, (list, tuple, np.ndarray))
        batches = [data] if whole else data
        self._lookup.adapt(_Documents(self._tokenize(b) for i, b in enumerate(batches) if steps is None or i < steps))

    def get_vocabulary(self, include_special_tokens: bool = True) -> list:
        return self._lookup.get_vocabulary(include_special_tokens)

    def vocabulary_size(self) -> int:
        return self._lookup.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        self._lookup.set_vocabulary(vocabulary, idf_weights)

    # -- calling ---------------------------------------------------------------------------------

    def __call__(self, inputs, *args, **kwargs):
        if hasattr(inputs, "_keras_history"):
            return super().__call__(inputs, *args, **kwargs)
        return self.call(inputs)  # strings never become engine tensors

    def call(self, inputs):
        docs = self._tokenize(inputs)
        if self.output_mode != "int":
            rows = [self._lookup(np.asarray(doc, dtype=object)) for doc in docs]
            return _core.convert_to_tensor(np.stack([np.asarray(r) for r in rows]))
        flat = [t for doc in docs for t in doc]
        ids = np.asarray(self._lookup(np.asarray(flat, dtype=object))) if flat else np.zeros(0, "int64")
        length = self.output_sequence_length or max([len(d) for d in docs] + [0])
        out = np.zeros((len(docs), length), dtype="int64")
        start = 0
        for row, doc in enumerate(docs):
            n = min(len(doc), length)
            out[row, :n] = ids[start:start + n]
            start += len(doc)
        return _core.convert_to_tensor(out)

    def compute_output_spec(self, inputs, **kwargs):
        from lamina.layers.layer import _Spec

        if self.output_mode == "int":
            return _Spec((inputs.shape[0], self.output_sequence_length), "int64")
        return _Spec((inputs.shape[0], self._lookup._depth()), "float32")

    def get_config(self):
        lookup = self._lookup.get_config()
        return {**super().get_config(), "max_tokens": lookup["max_tokens"], "standardize": self.standardize,
                "split": self.split, "ngrams": self.ngrams, "output_mode": self.output_mode,
                "output_sequence_length": self.output_sequence_length, "pad_to_max_tokens": lookup["pad_to_max_tokens"],
                "sparse": self.sparse, "ragged": self.ragged, "vocabulary": lookup["vocabulary"],
                "idf_weights": lookup["idf_weights"], "encoding": self.encoding,
                "vocabulary_size": self.vocabulary_size()}


class _Documents:
    """Batches of token lists as the lookup's adapt reads them: each batch a ragged list of
    documents, counted per document."""

    def __init__(self, batches):
        self.batches = batches

    def __iter__(self):
        for docs in self.batches:
            for doc in docs:
                yield np.asarray(doc, dtype=object).reshape(1, -1) if doc else np.zeros((1, 0), dtype=object)
