"""StringLookup and IntegerLookup: tokens to vocabulary indices (or back, with `invert`), with a
vocabulary given or learnt by `adapt` (most frequent first, as Keras orders it).

Tokens are Python/numpy values, so the lookup maps each distinct token of a call once through a
dict and gathers with numpy; the encodings ("one_hot", "multi_hot", "count", "tf_idf") then run
in the engine.
"""

from __future__ import annotations

import collections
import math

import numpy as np

from lamina import _core, ops
from lamina.layers.layer import Layer, _Spec
from lamina.layers.preprocessing.category_encoding import encode_categorical, encoded_shape
from lamina.layers.preprocessing.farmhash import fingerprint64

_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


def _as_array(inputs, dtype):
    if isinstance(inputs, (_core.Tensor, _core.Variable)):
        return np.asarray(inputs)
    return np.asarray(inputs, dtype=object if dtype == "string" else None)


class IndexLookup(Layer):
    """The shared lookup (Keras' IndexLookup); use StringLookup or IntegerLookup."""

    def __init__(self, max_tokens, num_oov_indices, mask_token, oov_token, vocabulary_dtype, vocabulary=None,
                 idf_weights=None, invert=False, output_mode="int", sparse=False, pad_to_max_tokens=False,
                 oov_method="floormod", salt=None, vocabulary_size=None, **kwargs):
        super().__init__(**kwargs)
        if output_mode == "tf-idf":
            output_mode = "tf_idf"
        if output_mode not in _MODES:
            raise ValueError(f"{type(self).__name__}: invalid output_mode {output_mode!r}; expected one of {_MODES}")
        if num_oov_indices < 0:
            raise ValueError(f"`num_oov_indices` must be greater than or equal to 0. Received: {num_oov_indices}")
        if invert and output_mode != "int":
            raise ValueError(f"`output_mode` must be `'int'` when `invert` is true. Received: {output_mode}")
        if sparse:
            raise ValueError(f"{type(self).__name__}: sparse=True is not supported by lamina (no sparse tensors)")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError("`idf_weights` should only be set if `output_mode` is `'tf_idf'`.")
        self.max_tokens, self.num_oov_indices = max_tokens, num_oov_indices
        self.mask_token, self.oov_token = mask_token, oov_token
        self.vocabulary_dtype, self.invert, self.output_mode = vocabulary_dtype, invert, output_mode
        self.sparse, self.pad_to_max_tokens, self.oov_method, self.salt = sparse, pad_to_max_tokens, oov_method, salt
        self.input_vocabulary = None if vocabulary is None else list(np.asarray(vocabulary).tolist())
        self.input_idf_weights = None if idf_weights is None else list(np.asarray(idf_weights).tolist())
        self._tokens: list = []
        self._idf = None
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)
        self.built = True

    # -- vocabulary ------------------------------------------------------------------------------

    def _has_mask_index(self) -> bool:
        # Keras reserves index 0 for the mask token in "int" mode only.
        return self.mask_token is not None and self.output_mode == "int"

    def _token_start(self) -> int:
        return int(self._has_mask_index()) + self.num_oov_indices

    def _special_tokens(self) -> list:
        return [self.mask_token] * self._has_mask_index() + [self.oov_token] * self.num_oov_indices

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        """Sets the vocabulary (with or without the leading mask/OOV tokens) and, in "tf_idf"
        mode, the idf weights."""
        tokens = list(np.asarray(vocabulary).tolist())
        if not tokens:
            raise ValueError(f"Cannot set an empty vocabulary. Received: vocabulary={vocabulary}")
        special = self._special_tokens()
        has_special = tokens[:len(special)] == special
        if has_special:
            tokens = tokens[len(special):]
        repeated = [t for t, c in collections.Counter(tokens).items() if c > 1]
        if repeated:
            raise ValueError(f"The passed vocabulary has at least one repeated term. Please uniquify your dataset. "
                             f"The repeated terms are: {repeated}")
        if self._has_mask_index() and self.mask_token in tokens:
            raise ValueError(f"Found reserved mask token {self.mask_token!r} at unexpected location in `vocabulary`")
        if self.max_tokens is not None and self._token_start() + len(tokens) > self.max_tokens:
            raise ValueError(f"Attempted to set a vocabulary larger than the maximum vocab size. Received vocabulary "
                             f"size is {self._token_start() + len(tokens)}; `max_tokens` is {self.max_tokens}.")
        self._tokens = tokens
        if self.output_mode == "tf_idf":
            if idf_weights is None:
                raise ValueError("`idf_weights` must be set if output_mode is 'tf_idf'.")
            idf = np.asarray(idf_weights, dtype="float32")
            if len(idf) != len(np.asarray(vocabulary)):
                raise ValueError(f"`idf_weights` must be the same length as vocabulary. len(idf_weights) is "
                                 f"{len(idf)}; len(vocabulary) is {len(np.asarray(vocabulary))}")
            if not has_special:
                idf = np.concatenate([np.full(self._token_start(), idf.mean(), "float32"), idf])
            self._idf = idf
        self._index = {t: i + self._token_start() for i, t in enumerate(tokens)}

    def get_vocabulary(self, include_special_tokens: bool = True) -> list:
        """The vocabulary, index order; with the mask and OOV tokens first by default."""
        return (self._special_tokens() if include_special_tokens else []) + list(self._tokens)

    def vocabulary_size(self) -> int:
        return self._token_start() + len(self._tokens)

    def adapt(self, data, steps=None) -> None:
        """Learns the vocabulary from `data` (tokens, or batches of tokens): the most frequent
        first, ties in reverse token order (Keras' order), at most `max_tokens` entries."""
        if self.input_vocabulary is not None:
            raise ValueError(f"Cannot adapt layer '{self.name}' after setting a static vocabulary via `vocabulary` "
                             "argument or `set_vocabulary()` method.")
        counts, doc_counts, docs = collections.Counter(), collections.Counter(), 0
        whole = isinstance(data, (list, tuple, np.ndarray, _core.Tensor))
        for i, batch in enumerate([data] if whole else data):
            if steps is not None and i >= steps:
                break
            arr = self._tokens_of(batch)
            if arr.ndim <= 1:  # Keras: a whole 1-D array is one token per document, a 1-D batch one document
                arr = arr.reshape(-1, 1) if whole else arr.reshape(1, -1)
            counts.update(arr.reshape(-1).tolist())
            for row in arr.reshape(arr.shape[0], -1):
                doc_counts.update(set(row.tolist()))
            docs += arr.shape[0]
        for special in (self.mask_token, self.oov_token):
            counts.pop(special, None)
        ordered = sorted(counts.items(), key=lambda tc: (tc[1], _sort_key(tc[0])), reverse=True)
        if self.max_tokens:
            ordered = ordered[:self.max_tokens - self._token_start()]
        tokens = [t for t, _ in ordered]
        self._tokens, self._index = tokens, {t: i + self._token_start() for i, t in enumerate(tokens)}
        if self.output_mode == "tf_idf":
            idf = np.log1p(docs / (1.0 + np.array([doc_counts[t] for t in tokens], "float64"))).astype("float32")
            self._idf = np.concatenate([np.full(self._token_start(), idf.mean() if idf.size else 0.0, "float32"), idf])

    def _tokens_of(self, data) -> np.ndarray:
        return _as_array(data, self.vocabulary_dtype)

    # -- calling ---------------------------------------------------------------------------------

    def __call__(self, inputs, *args, **kwargs):
        if self.vocabulary_dtype == "string" and not hasattr(inputs, "_keras_history"):
            return self.call(inputs)  # strings never become engine tensors
        if not isinstance(inputs, (_core.Tensor, _core.Variable)) and not hasattr(inputs, "_keras_history"):
            inputs = self._tokens_of(inputs)
        return super().__call__(inputs, *args, **kwargs)

    def _depth(self) -> int:
        return self.max_tokens if self.pad_to_max_tokens and self.max_tokens else self.vocabulary_size()

    def _lookup(self, arr: np.ndarray) -> np.ndarray:
        uniq, inverse = np.unique(arr.reshape(-1), return_inverse=True)
        ids = np.empty(len(uniq), dtype="int64")
        for i, token in enumerate(uniq.tolist()):
            if self._has_mask_index() and token == self.mask_token:
                ids[i] = 0
            elif token in self._index:
                ids[i] = self._index[token]
            elif self.num_oov_indices == 0:
                raise ValueError(f"{type(self).__name__} '{self.name}': token {token!r} is out of the vocabulary and "
                                 "num_oov_indices=0")
            elif self.num_oov_indices == 1:
                ids[i] = self._token_start() - 1
            else:
                ids[i] = self._token_start() - self.num_oov_indices + self._oov_bucket(token)
        return ids[inverse].reshape(arr.shape)

    def _oov_bucket(self, token) -> int:
        raise NotImplementedError(f"{type(self).__name__} does not hash out-of-vocabulary tokens")

    def call(self, inputs):
        arr = self._tokens_of(inputs)
        if self.invert:
            vocab = np.asarray(self.get_vocabulary(), dtype=object)
            ids = arr.astype("int64")
            if ids.size and (ids.min() < 0 or ids.max() >= len(vocab)):
                raise ValueError(f"{type(self).__name__} '{self.name}': ids must be in [0, {len(vocab)}), "
                                 f"got range [{ids.min()}, {ids.max()}]")
            out = vocab[ids]
            return out if self.vocabulary_dtype == "string" else _core.convert_to_tensor(out.astype("int64"))
        ids = _core.convert_to_tensor(self._lookup(arr))
        if self.output_mode == "int":
            return ids
        mode = "count" if self.output_mode == "tf_idf" else self.output_mode
        out = encode_categorical(ids, mode, self._depth(), "float32")
        if self.output_mode == "tf_idf":
            idf = np.zeros(self._depth(), "float32")
            idf[:len(self._idf)] = self._idf[:self._depth()]
            out = ops.multiply(out, _core.convert_to_tensor(idf))
        return out

    def compute_output_spec(self, inputs, **kwargs):
        if self.output_mode == "int":
            return _Spec(tuple(inputs.shape), self.vocabulary_dtype if self.invert else "int64")
        return _Spec(encoded_shape(inputs.shape, self.output_mode.replace("tf_idf", "count"), self._depth()), "float32")

    def get_config(self):
        vocab = self.input_vocabulary
        if vocab is None and self._tokens:
            vocab = list(self._tokens)  # an adapted vocabulary travels in the config (Keras: in assets)
        idf = self.input_idf_weights
        if idf is None and self._idf is not None and self.input_vocabulary is None:
            idf = self._idf[self._token_start():].tolist()
        return {**super().get_config(), "invert": self.invert, "max_tokens": self.max_tokens,
                "num_oov_indices": self.num_oov_indices, "oov_token": self.oov_token, "mask_token": self.mask_token,
                "output_mode": self.output_mode, "sparse": self.sparse, "pad_to_max_tokens": self.pad_to_max_tokens,
                "vocabulary_dtype": self.vocabulary_dtype, "idf_weights": idf, "vocabulary": vocab,
                "vocabulary_size": self.vocabulary_size(), "oov_method": self.oov_method, "salt": self.salt}


def _sort_key(token):
    return token.encode("utf-8") if isinstance(token, str) else token


class StringLookup(IndexLookup):
    """Maps strings to integer indices from a vocabulary (or back, with `invert=True`).

    Args:
        max_tokens: the largest vocabulary size (mask and OOV tokens included), or None.
        num_oov_indices: out-of-vocabulary indices (default 1); with several, a token's FarmHash picks one.
        mask_token: a token mapped to index 0 (default None: no mask).
        oov_token: the token `invert` gives for OOV indices (default "[UNK]").
        vocabulary: a list of strings (or None, then `adapt`).
        idf_weights: with output_mode "tf_idf" and a vocabulary: the idf weights.
        invert: map indices back to strings.
        output_mode: "int" (default), "one_hot", "multi_hot", "count" or "tf_idf".
        pad_to_max_tokens: encoded outputs have `max_tokens` columns.
        sparse: True raises. encoding: "utf-8".

    Indices: the mask token (if any) at 0, then the OOV indices, then the vocabulary.
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]", vocabulary=None,
                 idf_weights=None, invert=False, output_mode="int", pad_to_max_tokens=False, sparse=False,
                 encoding="utf-8", name=None, salt=None, **kwargs):
        kwargs.pop("vocabulary_dtype", None)
        self.encoding = encoding
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices, mask_token=mask_token,
                         oov_token=oov_token, vocabulary_dtype="string", vocabulary=vocabulary, idf_weights=idf_weights,
                         invert=invert, output_mode=output_mode, sparse=sparse, pad_to_max_tokens=pad_to_max_tokens,
                         name=name, salt=salt, **kwargs)

    def _oov_bucket(self, token) -> int:
        return fingerprint64(token.encode(self.encoding)) % self.num_oov_indices  # Keras: to_hash_bucket_fast

    def _tokens_of(self, data):
        arr = _as_array(data, "string")
        if arr.dtype.kind == "S" or (arr.size and isinstance(arr.reshape(-1)[0], bytes)):
            arr = np.vectorize(lambda b: b.decode(self.encoding) if isinstance(b, bytes) else b, otypes=[object])(arr)
        return arr

    def get_config(self):
        config = {**super().get_config(), "encoding": self.encoding}
        del config["vocabulary_dtype"]
        return config


class IntegerLookup(IndexLookup):
    """Maps integers to indices from a vocabulary (or back, with `invert=True`).

    Args:
        max_tokens, num_oov_indices, vocabulary, idf_weights, invert, output_mode,
        pad_to_max_tokens, sparse: as in StringLookup; several OOV indices take `token % n`.
        mask_token: an integer mapped to index 0 (default None).
        oov_token: the integer `invert` gives for OOV indices (default -1).
        vocabulary_dtype: "int64" (default) or "int32".
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1, vocabulary=None,
                 vocabulary_dtype="int64", idf_weights=None, invert=False, output_mode="int", sparse=False,
                 pad_to_max_tokens=False, name=None, **kwargs):
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices, mask_token=mask_token,
                         oov_token=oov_token, vocabulary_dtype=vocabulary_dtype, vocabulary=vocabulary,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode, sparse=sparse,
                         pad_to_max_tokens=pad_to_max_tokens, name=name, **kwargs)

    def _tokens_of(self, data):
        return np.asarray(data).astype("int64")

    def _oov_bucket(self, token) -> int:
        return int(token) % self.num_oov_indices

    def get_config(self):
        config = super().get_config()
        if config["vocabulary"] is not None:
            config["vocabulary"] = [int(v) for v in config["vocabulary"]]
        return config
