"""Attention layers and dot_product_attention: the shared layer test, and the same outputs as
real Keras 3 (jax) with the same weights, masks, causal masks and attention scores; a Keras-saved
model with MultiHeadAttention loads here with the same predictions."""

import numpy as np
import pytest

import lamina as lm
from keras_reference import require_keras
from layer_check import run_layer_test
from lamina import layers
from op_check import check_gradient

ATOL = 3e-5


def _same(lamina_out, keras_out):
    a = lamina_out if isinstance(lamina_out, tuple) else (lamina_out,)
    b = keras_out if isinstance(keras_out, tuple) else (keras_out,)
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_allclose(np.asarray(x), np.asarray(y), atol=ATOL, rtol=1e-4)


def _pair(keras_layer, lamina_layer, *args, **kwargs):
    """Builds both layers on the inputs, copies Keras' weights over, and returns both outputs."""
    keras_out = keras_layer(*args, **kwargs)
    lamina_layer(*args, **kwargs)
    assert [tuple(w.shape) for w in lamina_layer.weights] == [tuple(w.shape) for w in keras_layer.weights]
    lamina_layer.set_weights([np.asarray(w) for w in keras_layer.get_weights()])
    return lamina_layer(*args, **kwargs), keras_out


# ---------------------------------------------------------------------------------------------
# the shared layer test

def test_einsum_dense_layer():
    run_layer_test(layers.EinsumDense, {"equation": "abc,cde->abde", "output_shape": (None, 2, 3), "bias_axes": "de"},
                   (4, 5, 6), expected_output_shape=(4, 5, 2, 3), expected_num_trainable_weights=2)
    run_layer_test(layers.EinsumDense, {"equation": "...b,bc->...c", "output_shape": 3, "activation": "relu"},
                   (4, 2, 6), expected_output_shape=(4, 2, 3), expected_num_trainable_weights=1)


@pytest.mark.parametrize("kwargs", [{"num_heads": 2, "key_dim": 3},
                                    {"num_heads": 2, "key_dim": 3, "value_dim": 4, "output_shape": 5, "use_bias": False}])
def test_multi_head_attention_layer(kwargs):
    run_layer_test(layers.MultiHeadAttention, kwargs, {"query_shape": (3, 4, 6), "value_shape": (3, 5, 6)},
                   expected_num_trainable_weights=8 if kwargs.get("use_bias", True) else 4)


def test_grouped_query_attention_layer():
    run_layer_test(layers.GroupedQueryAttention, {"head_dim": 3, "num_query_heads": 4, "num_key_value_heads": 2},
                   {"query_shape": (3, 4, 6), "value_shape": (3, 5, 6)}, expected_output_shape=(3, 4, 6),
                   expected_num_trainable_weights=8)


@pytest.mark.parametrize("cls,kwargs,weights", [(layers.Attention, {}, 0), (layers.Attention, {"use_scale": True}, 1),
                                                (layers.Attention, {"score_mode": "concat"}, 1),
                                                (layers.AdditiveAttention, {}, 1)])
def test_attention_layers(cls, kwargs, weights):
    run_layer_test(cls, kwargs, [(3, 4, 6), (3, 5, 6)], expected_output_shape=(3, 4, 6),
                   expected_num_trainable_weights=weights, run_training_check=weights > 0)


def test_attention_errors():
    with pytest.raises(ValueError, match="list of inputs"):
        layers.Attention()(np.zeros((2, 3, 4), "float32"))
    with pytest.raises(ValueError, match="num_heads"):
        layers.MultiHeadAttention(0, 4)
    with pytest.raises(ValueError, match="key"):
        layers.MultiHeadAttention(2, 4)(np.zeros((2, 3, 4), "float32"), np.zeros((2, 5, 4), "float32"),
                                        key=np.zeros((2, 6, 4), "float32"))
    with pytest.raises(ValueError, match="divisible"):
        layers.GroupedQueryAttention(4, 3, 2)
    with pytest.raises(ValueError, match="4D"):
        lm.ops.dot_product_attention(np.zeros((2, 3, 4), "float32"), np.zeros((2, 3, 4), "float32"),
                                     np.zeros((2, 3, 4), "float32"))


def test_dot_product_attention_gradient(rng):
    q, k, v = (rng.standard_normal(s) for s in [(2, 3, 2, 4), (2, 5, 2, 4), (2, 5, 2, 3)])
    mask = rng.random((2, 1, 3, 5)) > 0.3
    check_gradient(lambda q, k, v: lm.ops.dot_product_attention(q, k, v, mask=mask), q, k, v, noncontiguous=False)
    check_gradient(lambda q, k, v: lm.ops.dot_product_attention(q, k, v, is_causal=True), q, k[:, :3], v[:, :3],
                   noncontiguous=False)


# ---------------------------------------------------------------------------------------------
# against real Keras

@pytest.mark.parametrize("call", [{"mask": True, "bias": True, "scale": 0.3}, {"is_causal": True, "gqa": True}])
def test_dot_product_attention_matches_keras(rng, call):
    keras = require_keras()
    heads_kv = 1 if call.get("gqa") else 4
    q = rng.standard_normal((2, 5, 4, 8)).astype("float32")
    k = rng.standard_normal((2, 6, heads_kv, 8)).astype("float32")
    v = rng.standard_normal((2, 6, heads_kv, 8)).astype("float32")
    kw = {"is_causal": call.get("is_causal", False), "scale": call.get("scale")}
    if call.get("mask"):
        kw["mask"] = rng.random((2, 1, 5, 6)) > 0.4
    if call.get("bias"):
        kw["bias"] = rng.standard_normal((1, 4, 5, 6)).astype("float32")
    _same(lm.ops.nn.dot_product_attention(q, k, v, **kw), keras.ops.nn.dot_product_attention(q, k, v, **kw))


def test_einsum_dense_matches_keras(rng):
    keras = require_keras()
    x = rng.standard_normal((3, 4, 6)).astype("float32")
    for eq, shape, bias in [("abc,cde->abde", (None, 2, 3), "de"), ("abc,cd->abd", (None, 5), "d"),
                            ("...b,bc->...c", 4, "c"), ("abc,bd->adc", (2, 6), "d")]:
        _same(*_pair(keras.layers.EinsumDense(eq, shape, bias_axes=bias), layers.EinsumDense(eq, shape, bias_axes=bias), x))


@pytest.mark.parametrize("init,call", [({"num_heads": 2, "key_dim": 4}, "all"),
                                       ({"num_heads": 3, "key_dim": 4, "output_shape": 7}, "plain"),
                                       ({"num_heads": 3, "key_dim": 4, "value_dim": 5}, "scores"),
                                       ({"num_heads": 2, "key_dim": 4, "attention_axes": (1, 2)}, "key")])
def test_multi_head_attention_matches_keras(rng, init, call):
    keras = require_keras()
    rank4 = "attention_axes" in init
    q = rng.standard_normal((3, 5, 2, 8) if rank4 else (3, 5, 8)).astype("float32")
    v = rng.standard_normal((3, 6, 2, 8) if rank4 else (3, 6, 8)).astype("float32")
    kwargs = {}
    if call in ("attention_mask", "all") and not rank4:
        kwargs["attention_mask"] = rng.random((3, 5, 6)) > 0.3
    if call in ("causal", "all") and not rank4:
        kwargs["use_causal_mask"] = True
    if call in ("scores", "all"):
        kwargs["return_attention_scores"] = True
    if call == "key":
        kwargs["key"] = rng.standard_normal(v.shape[:-1] + (3,)).astype("float32")
    _same(*_pair(keras.layers.MultiHeadAttention(**init), layers.MultiHeadAttention(**init), q, v, **kwargs))


@pytest.mark.parametrize("call", [{"use_causal_mask": True, "return_attention_scores": True}])
def test_grouped_query_attention_matches_keras(rng, call):
    keras = require_keras()
    q = rng.standard_normal((2, 5, 8)).astype("float32")
    v = rng.standard_normal((2, 6, 8)).astype("float32")
    init = {"head_dim": 4, "num_query_heads": 4, "num_key_value_heads": 2}
    _same(*_pair(keras.layers.GroupQueryAttention(**init), layers.GroupedQueryAttention(**init), q, v, **call))


@pytest.mark.parametrize("name,init", [("Attention", {}), ("Attention", {"use_scale": True, "score_mode": "concat"}),
                                       ("AdditiveAttention", {})])
@pytest.mark.parametrize("call", [{"use_causal_mask": True, "return_attention_scores": True, "masks": True}])
def test_attention_matches_keras(rng, name, init, call):
    keras = require_keras()
    q = rng.standard_normal((2, 5, 8)).astype("float32")
    v = rng.standard_normal((2, 5, 8)).astype("float32")
    call = dict(call)
    if call.pop("masks", False):
        call["mask"] = [rng.random((2, 5)) > 0.3, rng.random((2, 5)) > 0.3]
    _same(*_pair(getattr(keras.layers, name)(**init), getattr(layers, name)(**init), [q, v], **call))


def _masked_encoder(lib):
    """Embedding with mask_zero (padding masks reach MultiHeadAttention) and a causal mask. (No
    merge layer after it: Keras then records its mask merging as NotEqual/LogicalOr op nodes.)"""
    ids = lib.Input((6,), dtype="int32")
    x = lib.layers.Embedding(20, 8, mask_zero=True)(ids)
    x = lib.layers.MultiHeadAttention(2, 4)(x, x, use_causal_mask=True)
    return lib.Model(ids, lib.layers.Dense(3)(lib.layers.LayerNormalization()(x)))


def test_keras_saved_mha_model_loads_with_same_predictions(tmp_path):
    keras = require_keras()
    ids = np.array([[1, 2, 3, 0, 0, 0], [4, 5, 6, 7, 8, 9], [3, 0, 0, 0, 0, 0]], dtype="int32")
    model = _masked_encoder(keras)
    path = str(tmp_path / "mha.keras")
    model.save(path)
    loaded = lm.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(ids, verbose=0), model.predict(ids, verbose=0), atol=ATOL)
    # and a lamina model with the same weights computes the same (masks through the graph).
    ours = _masked_encoder(lm)
    ours.set_weights(model.get_weights())
    np.testing.assert_allclose(np.asarray(ours(ids)), np.asarray(model(ids)), atol=ATOL)
