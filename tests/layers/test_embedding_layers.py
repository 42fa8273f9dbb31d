"""Embedding and Masking: the shared layer test, lookups and masks against numpy, the
lookup's scatter-add gradient, masks reaching recurrent layers, configs and errors."""

import numpy as np
import pytest

import lamina as lm
from lamina import layers, ops
from layer_check import run_layer_test


# ------------------------------------------------------------------------------------------------
# Embedding

@pytest.mark.parametrize("kwargs,shape,dtype", [
    ({"input_dim": 10, "output_dim": 3}, (4, 5), "int32"),
    ({"input_dim": 10, "output_dim": 3}, (4, 5), "int64"),
    ({"input_dim": 7, "output_dim": 2, "mask_zero": True}, (3, 4), "int32"),
    ({"input_dim": 6, "output_dim": 4}, (4,), "int32"),
    ({"input_dim": 6, "output_dim": 2, "embeddings_regularizer": "l2"}, (2, 3, 2), "int32"),
])
def test_embedding_layer_test(kwargs, shape, dtype):
    run_layer_test(layers.Embedding, kwargs, shape, input_dtype=dtype, input_range=(0, kwargs["input_dim"]),
                   expected_output_shape=shape + (kwargs["output_dim"],), expected_num_trainable_weights=1)


def test_embedding_weight_and_lookup(rng):
    emb = layers.Embedding(9, 4)
    ids = rng.integers(0, 9, size=(3, 5)).astype("int32")
    y = emb(ids)
    assert [w.name for w in emb.weights] == ["embeddings"] and tuple(emb.embeddings.shape) == (9, 4)
    table = emb.get_weights()[0]
    assert np.abs(table).max() <= 0.05  # "uniform": U(-0.05, 0.05), as Keras
    assert y.dtype == "float32"
    np.testing.assert_array_equal(np.asarray(y), table[ids])
    # 1-D and 3-D ids, int64 and float ids (cast to int like Keras).
    np.testing.assert_array_equal(np.asarray(emb(np.array([8, 0, 3], "int64"))), table[[8, 0, 3]])
    ids3 = rng.integers(0, 9, size=(2, 3, 2))
    np.testing.assert_array_equal(np.asarray(emb(ids3.astype("int32"))), table[ids3])
    np.testing.assert_array_equal(np.asarray(emb(np.array([[1.0, 2.0]], "float32"))), table[[[1, 2]]])


def test_embedding_gradient_is_a_scatter_add(rng):
    emb = layers.Embedding(6, 3, dtype="float64")
    ids = np.array([[1, 4, 1], [0, 1, 5]], "int32")  # repeated id 1
    w = rng.normal(size=(2, 3, 3))
    with lm.GradientTape() as tape:
        loss = ops.sum(ops.multiply(emb(ids), lm.tensor(w)))
    (g,) = tape.gradient(loss, [emb.embeddings])
    want = np.zeros((6, 3))
    np.add.at(want, ids.reshape(-1), w.reshape(-1, 3))
    np.testing.assert_allclose(np.asarray(g), want, rtol=1e-12)


def test_embedding_mask_zero_attaches_the_mask():
    ids = np.array([[3, 1, 0, 0], [2, 0, 0, 0]], "int32")
    y = layers.Embedding(5, 2, mask_zero=True)(ids)
    np.testing.assert_array_equal(np.asarray(y._keras_mask), ids != 0)
    assert y._keras_mask.dtype == "bool"
    emb = layers.Embedding(5, 2)
    assert emb(ids)._keras_mask is None
    assert emb.compute_mask(lm.tensor(ids)) is None
    np.testing.assert_array_equal(np.asarray(layers.Embedding(5, 2, mask_zero=True).compute_mask(lm.tensor(ids))), ids != 0)


@pytest.mark.parametrize("rnn", [layers.LSTM, layers.GRU, layers.SimpleRNN])
def test_embedding_mask_reaches_recurrent_layers(rnn, rng):
    # With mask_zero, trailing padding must not change the final state: the padded batch gives
    # what the unpadded sequences give.
    inp = lm.Input((None,), dtype="int32")
    out = rnn(4)(layers.Embedding(8, 3, mask_zero=True)(inp))
    model = lm.Model(inp, out)
    padded = np.array([[3, 5, 0, 0], [2, 7, 6, 0]], "int32")
    got = np.asarray(model(padded))
    np.testing.assert_allclose(got[0], np.asarray(model(padded[:1, :2]))[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[1], np.asarray(model(padded[1:, :3]))[0], rtol=1e-5, atol=1e-6)
    # Without the mask the padding does count.
    plain = lm.Model(inp, rnn(4)(layers.Embedding(8, 3)(inp)))
    assert not np.allclose(np.asarray(plain(padded))[0], np.asarray(plain(padded[:1, :2]))[0])


def test_embedding_weights_argument_and_input_length():
    table = np.arange(12, dtype="float32").reshape(4, 3)
    emb = layers.Embedding(4, 3, weights=[table])
    assert emb.built
    np.testing.assert_array_equal(np.asarray(emb(np.array([3, 0], "int32"))), table[[3, 0]])
    emb2 = layers.Embedding(4, 3, weights=table)
    np.testing.assert_array_equal(emb2.get_weights()[0], table)
    with pytest.warns(UserWarning, match="input_length"):
        emb3 = layers.Embedding(4, 3, input_length=5)
    assert "input_length" not in emb3.get_config()
    with pytest.raises(ValueError, match=r"embeddings.*shape \(4, 3\)"):
        layers.Embedding(4, 3, weights=[np.zeros((3, 3))])


def test_embedding_config_keys_match_keras():
    emb = layers.Embedding(10, 4, mask_zero=True, embeddings_regularizer="l1")
    cfg = emb.get_config()
    assert set(cfg) == {"name", "trainable", "dtype", "input_dim", "output_dim", "embeddings_initializer",
                        "embeddings_regularizer", "activity_regularizer", "embeddings_constraint", "mask_zero"}
    assert cfg["embeddings_initializer"]["class_name"] == "RandomUniform"
    assert cfg["embeddings_initializer"]["config"] == {"minval": -0.05, "maxval": 0.05, "seed": None}
    assert cfg["activity_regularizer"] is None and cfg["mask_zero"] is True
    assert layers.Embedding.from_config(cfg).get_config() == cfg
    # A Keras 2 config (input_length, no module keys) loads.
    old = layers.Embedding.from_config({"name": "e", "input_dim": 5, "output_dim": 2, "input_length": None,
                                        "embeddings_initializer": {"class_name": "RandomUniform",
                                                                   "config": {"minval": -0.05, "maxval": 0.05, "seed": None}},
                                        "mask_zero": False})
    assert old.input_dim == 5


def test_embedding_errors():
    emb = layers.Embedding(5, 2)
    with pytest.raises(IndexError, match=r"Embedding layer 'embedding\w*': input id 5 is out of range; ids must be in \[0, 5\)"):
        emb(np.array([[1, 5]], "int32"))
    with pytest.raises(IndexError, match=r"input id -1 is out of range"):
        emb(np.array([[1, -1]], "int32"))
    for bad in (0, -3, 2.5, True, None):
        with pytest.raises(ValueError, match=r"`input_dim` must be a positive integer"):
            layers.Embedding(bad, 2)
        with pytest.raises(ValueError, match=r"`output_dim` must be a positive integer"):
            layers.Embedding(3, bad)
    with pytest.raises(NotImplementedError, match="LoRA"):
        layers.Embedding(3, 2, lora_rank=2)


def test_embedding_empty_batch():
    y = layers.Embedding(5, 3)(np.zeros((0, 4), "int32"))
    assert tuple(y.shape) == (0, 4, 3)


# ------------------------------------------------------------------------------------------------
# Masking

def test_masking_layer_test():
    run_layer_test(layers.Masking, {"mask_value": 0.0}, (3, 4, 2), expected_output_shape=(3, 4, 2))
    run_layer_test(layers.Masking, {"mask_value": -1.0}, (3, 4, 2), expected_output_shape=(3, 4, 2))


def test_masking_values_and_mask(rng):
    x = rng.normal(size=(3, 5, 2)).astype("float32")
    x[0, 3:] = -1.0
    x[1, 1] = -1.0
    x[2, 0, 0] = -1.0  # only one feature equals mask_value: not masked
    layer = layers.Masking(mask_value=-1.0)
    y = layer(x)
    want_mask = np.any(x != -1.0, axis=-1)
    np.testing.assert_array_equal(np.asarray(y._keras_mask), want_mask)
    np.testing.assert_array_equal(np.asarray(y), np.where(want_mask[..., None], x, 0.0))
    np.testing.assert_array_equal(np.asarray(layer.compute_mask(lm.tensor(x))), want_mask)
    assert layer.get_config()["mask_value"] == -1.0


def test_masking_feeds_lstm(rng):
    inp = lm.Input((None, 3))
    model = lm.Model(inp, layers.LSTM(4)(layers.Masking()(inp)))
    x = rng.normal(size=(2, 5, 3)).astype("float32")
    x[0, 2:] = 0.0
    got = np.asarray(model(x))
    np.testing.assert_allclose(got[0], np.asarray(model(x[:1, :2]))[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[1], np.asarray(model(x[1:]))[0], rtol=1e-5, atol=1e-6)


def test_masking_gradient_is_zero_on_masked_steps(rng):
    x = rng.normal(size=(2, 3, 2))
    x[0, 1] = 0.0
    t = lm.tensor(x)
    with lm.GradientTape() as tape:
        tape.watch(t)
        loss = ops.sum(layers.Masking(dtype="float64")(t))
    g = np.asarray(tape.gradient(loss, t))
    want = np.ones_like(x)
    want[0, 1] = 0.0
    np.testing.assert_array_equal(g, want)
