"""Random functional models for the differential tests against real Keras.

`build_model(K, seed)` builds one small functional model with the module `K`: `keras`
(Keras 3), `tf.keras` (Keras 2) or `lamina`. Every random choice depends on the seed and on
shapes this module computes itself, never on the framework, so each framework given the same
seed builds the same graph with the same layers, calls and auto-generated names.

The layer set (LAYER_SET): Dense, Conv1D, Conv2D, Max/AveragePooling1D/2D, Global pooling,
BatchNormalization, LayerNormalization, Dropout, Embedding (mask_zero too, feeding an RNN),
LSTM, GRU, SimpleRNN, Bidirectional, TimeDistributed, Concatenate, Add, Multiply, Average,
Reshape, Flatten, Activation, ReLU, LeakyReLU; nested Sequential models (with and without an
Input) and nested functional models (some called twice), shared layers, 1-3 inputs and outputs.
"""

from __future__ import annotations

import math
import random

import numpy as np

LAYER_SET = (
    "Dense", "Conv1D", "Conv2D", "MaxPooling1D", "AveragePooling1D", "MaxPooling2D", "AveragePooling2D",
    "GlobalAveragePooling1D", "GlobalMaxPooling1D", "GlobalAveragePooling2D", "BatchNormalization",
    "LayerNormalization", "Dropout", "Embedding", "LSTM", "GRU", "SimpleRNN", "Bidirectional", "TimeDistributed",
    "Concatenate", "Add", "Multiply", "Average", "Reshape", "Flatten", "Activation", "ReLU", "LeakyReLU",
    "Sequential", "Functional",
)

VOCAB = 10
ACTIVATIONS = (None, "relu", "tanh", "sigmoid", "softmax", "elu", "gelu", "swish", "softplus")


def is_keras2(K) -> bool:
    return getattr(K, "__version__", "3").startswith("2.")


def clear_session(K) -> None:
    """Restarts K's layer-name counters, so names start again at `dense`, `dense_1`, ..."""
    (getattr(K, "clear_session", None) or K.backend.clear_session)()


class _Builder:
    """Adds random layer calls to a pool of (tensor, shape) pairs; shapes exclude the batch."""

    def __init__(self, K, rng: random.Random, allow_nesting: bool = True):
        self.K, self.L, self.rng = K, K.layers, rng
        self.allow_nesting = allow_nesting
        self.pool: list = []      # [tensor, shape, is_tokens]
        self.inputs: list = []    # the pool entries of the model's own Inputs
        self.used: set = set()    # ids of pool entries some call consumed
        self.shared: list = []    # (layer, input shape, output shape, on tokens): layers to call again

    # -- helpers ---------------------------------------------------------------------------

    def _pick(self, entries):
        # Favour recent tensors (longer chains) while keeping branches alive.
        weights = [1 + i for i in range(len(entries))]
        return self.rng.choices(entries, weights=weights)[0]

    def _add(self, tensor, shape, tokens=False):
        entry = [tensor, tuple(shape), tokens]
        self.pool.append(entry)
        return entry

    def _call(self, layer, entries, out_shape, register_shared: bool):
        inputs = [e[0] for e in entries]
        for e in entries:
            self.used.add(id(e))
        y = layer(inputs if len(inputs) > 1 else inputs[0])
        if register_shared and len(entries) == 1:
            self.shared.append((layer, entries[0][1], tuple(out_shape), entries[0][2]))
        return self._add(y, out_shape)

    def _activation(self):
        return self.rng.choice(ACTIVATIONS)

    # -- single-layer steps: (layer, output shape) for an input shape ------------------------

    def step(self, shape):
        """A random layer that takes `shape`, with its output shape, and whether it may be shared."""
        L, r = self.L, self.rng
        rank = len(shape)
        choices = ["dense", "norm", "dropout", "activation", "relu"]
        if rank == 1:
            choices += ["reshape"]
        if rank == 2:
            choices += ["conv1d", "pool1d", "rnn", "rnn", "bidirectional", "time_distributed", "flatten", "global1d"]
        if rank == 3:
            choices += ["conv2d", "conv2d", "pool2d", "flatten", "global2d", "reshape"]
        kind = r.choice(choices)
        if kind == "dense":
            units = r.randint(2, 6)
            return L.Dense(units, activation=self._activation(), use_bias=r.random() < 0.8), shape[:-1] + (units,), True
        if kind == "norm":
            if rank == 1 or r.random() < 0.5:
                return L.BatchNormalization(), shape, True
            return L.LayerNormalization(), shape, True
        if kind == "dropout":
            return L.Dropout(0.3), shape, False
        if kind == "activation":
            return L.Activation(self._activation() or "linear"), shape, False
        if kind == "relu":
            if r.random() < 0.3:
                slope = {"alpha" if is_keras2(self.K) else "negative_slope": r.choice((0.1, 0.3))}
                return L.LeakyReLU(**slope), shape, False
            return L.ReLU(max_value=r.choice((None, 1.0, 6.0)), negative_slope=r.choice((0.0, 0.1)),
                          threshold=r.choice((0.0, 0.2))), shape, False
        if kind == "reshape":
            if rank == 1:
                d = shape[0]
                new = (2, d // 2) if d % 2 == 0 else (d, 1)
            else:
                new = (shape[0], shape[1] * shape[2])
            return L.Reshape(new), new, False
        if kind == "conv1d":
            k = r.randint(1, min(3, shape[0]))
            padding = r.choice(("same", "valid"))
            f = r.randint(2, 4)
            t = shape[0] if padding == "same" else shape[0] - k + 1
            return L.Conv1D(f, k, padding=padding, activation=self._activation()), (t, f), True
        if kind == "pool1d":
            cls = r.choice((L.MaxPooling1D, L.AveragePooling1D))
            return cls(2, padding="same"), (math.ceil(shape[0] / 2), shape[1]), False
        if kind in ("rnn", "bidirectional"):
            units = r.randint(2, 4)
            seqs = r.random() < 0.5
            cell = r.choice((L.LSTM, L.GRU, L.SimpleRNN))(units, return_sequences=seqs)
            if kind == "rnn":
                return cell, ((shape[0], units) if seqs else (units,)), True
            mode = r.choice(("concat", "sum", "ave", "mul"))
            width = 2 * units if mode == "concat" else units
            return L.Bidirectional(cell, merge_mode=mode), ((shape[0], width) if seqs else (width,)), True
        if kind == "time_distributed":
            units = r.randint(2, 4)
            return L.TimeDistributed(L.Dense(units)), (shape[0], units), True
        if kind == "flatten":
            return L.Flatten(), (math.prod(shape),), False
        if kind == "global1d":
            cls = r.choice((L.GlobalAveragePooling1D, L.GlobalMaxPooling1D))
            return cls(), (shape[-1],), False
        if kind == "conv2d":
            k = r.randint(1, min(3, shape[0], shape[1]))
            padding = r.choice(("same", "valid"))
            f = r.randint(2, 4)
            hw = shape[:2] if padding == "same" else (shape[0] - k + 1, shape[1] - k + 1)
            return L.Conv2D(f, k, padding=padding, activation=self._activation()), hw + (f,), True
        if kind == "pool2d":
            cls = r.choice((L.MaxPooling2D, L.AveragePooling2D))
            return cls(2, padding="same"), (math.ceil(shape[0] / 2), math.ceil(shape[1] / 2), shape[2]), False
        if kind == "global2d":
            return L.GlobalAveragePooling2D(), (shape[-1],), False
        raise AssertionError(kind)

    # -- graph moves -------------------------------------------------------------------------

    def grow(self, moves: int) -> None:
        for _ in range(moves):
            if not self._floats():
                self._layer()
                continue
            move = self.rng.choices(("layer", "merge", "shared", "sequential", "functional"),
                                    weights=(10, 3, 2, 1.5, 1.5 if self.allow_nesting else 0))[0]
            done = getattr(self, "_" + move)()
            if not done:
                self._layer()

    def _floats(self):
        return [e for e in self.pool if not e[2]]

    def _layer(self) -> bool:
        tokens = [e for e in self.pool if e[2] and id(e) not in self.used]
        if tokens:
            return self._embed(tokens[0])
        entry = self._pick(self._floats())
        layer, shape, shareable = self.step(entry[1])
        self._call(layer, [entry], shape, shareable)
        return True

    def _embed(self, entry) -> bool:
        r, L = self.rng, self.L
        dim = r.randint(2, 4)
        if r.random() < 0.4:
            # mask_zero: Keras passes the mask (Keras 3 a NotEqual op) to the RNN.
            emb = L.Embedding(VOCAB, dim, mask_zero=True)
            units = r.randint(2, 4)
            rnn = r.choice((L.LSTM, L.GRU, L.SimpleRNN))(units)
            self.used.add(id(entry))
            self._add(rnn(emb(entry[0])), (units,))
            return True
        self._call(L.Embedding(VOCAB, dim), [entry], entry[1] + (dim,), True)
        return True

    def _merge(self) -> bool:
        r, L = self.rng, self.L
        first = self._pick(self._floats())
        rank = len(first[1])
        others = [e for e in self._floats() if e is not first and len(e[1]) == rank and e[1][:-1] == first[1][:-1]]
        if not others:
            return False
        chosen = [first] + r.sample(others, min(len(others), r.randint(1, 2)))
        kind = r.choice(("concatenate", "add", "multiply", "average"))
        if kind == "concatenate":
            width = sum(e[1][-1] for e in chosen)
            self._call(L.Concatenate(), chosen, first[1][:-1] + (width,), False)
            return True
        aligned = [first]
        for e in chosen[1:]:
            if e[1] != first[1]:
                e = self._call(L.Dense(first[1][-1]), [e], first[1], True)
            aligned.append(e)
        cls = {"add": L.Add, "multiply": L.Multiply, "average": L.Average}[kind]
        self._call(cls(), aligned, first[1], False)
        return True

    def _shared(self) -> bool:
        # An Embedding again on token ids; any other layer on floats of its input shape.
        pairs = [(layer, out, e) for layer, shape, out, tokens in self.shared for e in self.pool
                 if e[1] == shape and e[2] == tokens]
        if not pairs:
            return False
        layer, out_shape, entry = self.rng.choice(pairs)
        self._call(layer, [entry], out_shape, False)
        return True

    def _sequential(self) -> bool:
        entry = self._pick(self._floats())
        shape, layers = entry[1], []
        for _ in range(self.rng.randint(1, 3)):
            layer, shape, _ = self.step(shape)
            layers.append(layer)
        if self.rng.random() < 0.5:
            layers = [self.K.Input(shape=entry[1])] + layers
        self._call(self.K.Sequential(layers), [entry], shape, True)
        return True

    def _functional(self) -> bool:
        floats = self._floats()
        entries = [self._pick(floats)]
        others = [e for e in floats if e is not entries[0]]
        if others and self.rng.random() < 0.4:
            entries.append(self.rng.choice(others))
        sub = _Builder(self.K, self.rng, allow_nesting=False)
        sub.inputs = [sub._add(self.K.Input(shape=e[1]), e[1]) for e in entries]
        sub.grow(self.rng.randint(1, 4))
        outs = sub.outputs(self.rng.randint(1, 2))
        model = self.K.Model([e[0] for e in sub.inputs] if len(entries) > 1 else sub.inputs[0][0],
                             [e[0] for e in outs] if len(outs) > 1 else outs[0][0])
        for e in entries:
            self.used.add(id(e))
        calls = [entries]
        # Sometimes called again on other tensors of the same shapes (a Siamese pair).
        twins = [[e for e in floats if e[1] == x[1] and e is not x] for x in entries]
        if all(twins) and self.rng.random() < 0.5:
            calls.append([self.rng.choice(t) for t in twins])
        for args in calls:
            ys = model([e[0] for e in args] if len(args) > 1 else args[0][0])
            ys = ys if isinstance(ys, (list, tuple)) else [ys]
            for y, o in zip(ys, outs):
                self._add(y, o[1])
            for e in args:
                self.used.add(id(e))
        return True

    def outputs(self, n: int) -> list:
        """Up to n distinct float tensors, leaves (unconsumed) first, never a bare input."""
        candidates = [e for e in self._floats() if not any(e is i for i in self.inputs)]
        if not candidates:
            self._layer()
            candidates = [e for e in self._floats() if not any(e is i for i in self.inputs)]
        leaves = [e for e in candidates if id(e) not in self.used]
        rest = [e for e in candidates if id(e) in self.used]
        self.rng.shuffle(rest)
        return (leaves[::-1] + rest)[:n]


def input_specs(seed: int) -> list:
    """[(shape, is_tokens)] for the model `seed` builds."""
    r = random.Random(seed)
    specs = []
    for _ in range(r.choice((1, 1, 2, 2, 3))):
        kind = r.choice(("vector", "vector", "sequence", "sequence", "image", "tokens"))
        if kind == "vector":
            specs.append(((r.randint(3, 6),), False))
        elif kind == "sequence":
            specs.append(((r.randint(3, 5), r.randint(2, 4)), False))
        elif kind == "image":
            specs.append(((r.randint(4, 6), r.randint(4, 6), r.randint(1, 3)), False))
        else:
            specs.append(((r.randint(4, 6),), True))
    return specs


def build_model(K, seed: int):
    """The random functional model number `seed`, built with `K` (keras, tf.keras or lamina)."""
    clear_session(K)
    b = _Builder(K, random.Random(seed * 7919 + 1))
    for shape, tokens in input_specs(seed):
        tensor = K.Input(shape=shape, dtype="int32" if tokens else "float32")
        b.inputs.append(b._add(tensor, shape, tokens))
    b.grow(b.rng.randint(2, 7))
    # Every input feeds the model, but rarely one is left unused (Keras keeps it, at depth 0).
    for e in b.inputs:
        if id(e) not in b.used and (e[2] or b.rng.random() < 0.9):
            if e[2]:
                b._embed(e)
            else:
                layer, shape, shareable = b.step(e[1])
                b._call(layer, [e], shape, shareable)
    outs = b.outputs(b.rng.randint(1, 3))
    inputs = [e[0] for e in b.inputs]
    outputs = [e[0] for e in outs]
    return K.Model(inputs if len(inputs) > 1 else inputs[0], outputs if len(outputs) > 1 else outputs[0])


def sample_inputs(seed: int, batch: int = 3) -> list:
    """Inputs for model `seed`: normal floats; token ids with some padding zeros (none first)."""
    rng = np.random.default_rng(seed)
    xs = []
    for shape, tokens in input_specs(seed):
        if tokens:
            x = rng.integers(0, VOCAB, size=(batch,) + shape).astype("int32")
            x[:, 0] = rng.integers(1, VOCAB, size=batch)
        else:
            x = rng.normal(size=(batch,) + shape).astype("float32")
        xs.append(x)
    return xs


def random_weights(weights: list, seed: int) -> list:
    """Small random values for a model's weights (variances positive, so BatchNormalization
    stays well defined), as a list matching `weights`' shapes."""
    rng = np.random.default_rng(seed + 10_000)
    out = []
    for w in weights:
        shape = tuple(w.shape)
        name = getattr(w, "path", None) or getattr(w, "name", "")
        value = np.asarray(w)
        if not np.issubdtype(value.dtype, np.floating):
            out.append(value)  # e.g. a seed generator's state
        elif "variance" in name:
            out.append(rng.uniform(0.5, 1.5, size=shape).astype(value.dtype))
        else:
            out.append((rng.normal(size=shape) * 0.4).astype(value.dtype))
    return out


def issue_example(K):
    """The two-input, two-output model of issue 12, whose Keras layer order (da, bi, cat, ln,
    cls, proj, add, reg by depth) is not its creation order."""
    clear_session(K)
    L = K.layers
    a, b = K.Input(shape=(5,), name="a"), K.Input(shape=(4, 3), name="b")
    h1 = L.Dense(6, name="da")(a)
    h2 = L.Bidirectional(L.LSTM(3), name="bi")(b)
    h = L.LayerNormalization(name="ln")(L.Concatenate(name="cat")([h1, h2]))
    cls = L.Dense(2, name="cls")(h)
    reg = L.Dense(1, name="reg")(L.Add(name="add")([h1, L.Dense(6, name="proj")(h2)]))
    return K.Model([a, b], [cls, reg])


def issue_example_inputs(batch: int = 3) -> list:
    rng = np.random.default_rng(12)
    return [rng.normal(size=(batch, 5)).astype("float32"), rng.normal(size=(batch, 4, 3)).astype("float32")]


def graph_ids(count: int) -> list:
    """The issue-12 example, then random graphs 0..count-1."""
    return ["issue_example"] + [str(seed) for seed in range(count)]


def build_graph(K, graph: str):
    """Graph `graph` of graph_ids, built with K."""
    return issue_example(K) if graph == "issue_example" else build_model(K, int(graph))


def graph_inputs(graph: str) -> list:
    return issue_example_inputs() if graph == "issue_example" else sample_inputs(int(graph))


def graph_weights(model, graph: str) -> list:
    """Seeded random values for the graph's weights (see random_weights)."""
    return random_weights(model.weights, 12 if graph == "issue_example" else int(graph))
