"""Training and inference contracts against real Keras 3 (jax backend).

One `fit` epoch from the same initial weights, on the same batches (shuffle=False, no
dropout): the per-step loss logs and the final weights must match Keras' within float32
tolerance, and so must `evaluate` and `predict`. A Dense, a CNN and an LSTM+GRU stack and a
functional two-output model, each with SGD (momentum) and Adam.

Skipped where Keras 3 is missing, except under CI=true, where a missing Keras fails. Keras
runs on JAX (tests/conftest.py sets KERAS_BACKEND).
"""

import os

import numpy as np
import pytest

import lamina as lm


def _import_keras():
    try:
        import keras
    except Exception as e:  # ImportError, or a broken JAX behind it
        return None, f"Keras 3 is not importable ({type(e).__name__}: {e})"
    if int(keras.__version__.split(".")[0]) < 3:
        return None, f"Keras {keras.__version__} is installed; these checks need Keras 3"
    return keras, ""


keras, _WHY = _import_keras()
if keras is None and os.environ.get("CI") == "true":
    raise RuntimeError(f"CI=true but the training-contract tests cannot run: {_WHY}")
pytestmark = pytest.mark.skipif(keras is None, reason=_WHY)

N, BATCH = 48, 16
RTOL, ATOL = 2e-4, 2e-5


def _dense(k):
    return [k.Input((6,), name="x"), k.layers.Dense(8, activation="tanh", name="d1"),
            k.layers.Dense(3, activation="softmax", name="d2")]


def _cnn(k):
    return [k.Input((8, 8, 2), name="x"), k.layers.Conv2D(4, 3, activation="relu", name="c1"),
            k.layers.MaxPooling2D(2, name="p1"), k.layers.Flatten(name="f"),
            k.layers.Dense(3, activation="softmax", name="d")]


def _rnn(k):
    return [k.Input((5, 4), name="x"), k.layers.LSTM(6, return_sequences=True, name="lstm"),
            k.layers.GRU(5, name="gru"), k.layers.Dense(3, activation="softmax", name="d")]


def _two_outputs(k):
    a = k.Input((6,), name="a")
    b = k.Input((4,), name="b")
    h = k.layers.Concatenate(name="cat")([k.layers.Dense(5, activation="relu", name="da")(a),
                                          k.layers.Dense(5, activation="tanh", name="db")(b)])
    cls = k.layers.Dense(3, activation="softmax", name="cls")(h)
    reg = k.layers.Dense(1, name="reg")(h)
    return k.Model([a, b], [cls, reg], name="two")


def _build(k, arch):
    built = arch(k)
    return k.Sequential(built, name="seq") if isinstance(built, list) else built


def _data(arch, rng):
    if arch is _two_outputs:
        x = [rng.normal(size=(N, 6)).astype("float32"), rng.normal(size=(N, 4)).astype("float32")]
        y = [rng.integers(0, 3, size=(N,)), rng.normal(size=(N, 1)).astype("float32")]
        return x, y
    shape = {_dense: (6,), _cnn: (8, 8, 2), _rnn: (5, 4)}[arch]
    return rng.normal(size=(N,) + shape).astype("float32"), rng.integers(0, 3, size=(N,))


def _compile(k, model, two_outputs: bool, optimizer: str):
    opt = (k.optimizers.SGD(learning_rate=0.1, momentum=0.9) if optimizer == "sgd"
           else k.optimizers.Adam(learning_rate=0.01))
    if two_outputs:
        model.compile(optimizer=opt, loss=["sparse_categorical_crossentropy", "mse"], loss_weights=[1.0, 0.5], )
    else:
        model.compile(optimizer=opt, loss="sparse_categorical_crossentropy", )


def _run(k, model, x, y):
    """Per-step `loss` logs of one epoch, the weights after it, evaluate and predict."""
    steps = []

    class Record(k.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            steps.append(float(logs["loss"]))

    model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0, callbacks=[Record()])
    weights = {layer.name: [np.array(w) for w in layer.get_weights()] for layer in model.layers}
    loss = model.evaluate(x, y, batch_size=BATCH, verbose=0, return_dict=True)["loss"]
    pred = model.predict(x, batch_size=BATCH, verbose=0)
    return np.array(steps), weights, float(loss), pred


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize("arch", [_dense, _cnn, _rnn, _two_outputs], ids=lambda a: a.__name__.strip("_"))
def test_one_epoch_matches_keras(arch, optimizer):
    rng = np.random.default_rng(7)
    x, y = _data(arch, rng)
    keras.utils.set_random_seed(3)
    k_model = _build(keras, arch)
    l_model = _build(lm, arch)
    for layer in k_model.layers:
        if layer.get_weights():
            l_model.get_layer(layer.name).set_weights(layer.get_weights())
    two = arch is _two_outputs
    _compile(keras, k_model, two, optimizer)
    _compile(lm, l_model, two, optimizer)

    k_steps, k_weights, k_loss, k_pred = _run(keras, k_model, x, y)
    l_steps, l_weights, l_loss, l_pred = _run(lm, l_model, x, y)

    assert len(l_steps) == len(k_steps) == N // BATCH
    np.testing.assert_allclose(l_steps, k_steps, rtol=RTOL, atol=ATOL, err_msg="per-step loss logs")
    for name, k_ws in k_weights.items():
        for i, (lw, kw) in enumerate(zip(l_weights[name], k_ws)):
            np.testing.assert_allclose(lw, kw, rtol=RTOL, atol=ATOL, err_msg=f"layer {name} weight {i} after one epoch")
    np.testing.assert_allclose(l_loss, k_loss, rtol=RTOL, atol=ATOL, err_msg="evaluate")
    for lp, kp in zip(l_pred if two else [l_pred], k_pred if two else [k_pred]):
        np.testing.assert_allclose(lp, kp, rtol=RTOL, atol=ATOL, err_msg="predict")


def _structure(data):
    if isinstance(data, (list, tuple)):
        return [type(data).__name__, [_structure(d) for d in data]]
    if isinstance(data, dict):
        return {k: _structure(v) for k, v in data.items()}
    return "tensor" if data is not None else None


def _fit_forms(k):
    rng = np.random.default_rng(1)
    x, y, sw = rng.normal(size=(8, 3)).astype("float32"), rng.normal(size=(8, 1)).astype("float32"), np.ones(8)
    two = [x, x[:, :2]]
    return [
        ("fit(x, y)", lambda m: m.fit(x, y, batch_size=8, verbose=0), 1),
        ("fit(x, y, sample_weight)", lambda m: m.fit(x, y, sample_weight=sw, batch_size=8, verbose=0), 1),
        ("fit(x)", lambda m: m.fit(x, batch_size=8, verbose=0), 1),
        ("fit([x1, x2], y)", lambda m: m.fit(two, y, batch_size=8, verbose=0), 2),
        ("fit({a, b}, y)", lambda m: m.fit({"a": two[0], "b": two[1]}, y, batch_size=8, verbose=0), 2),
        ("evaluate(x, y)", lambda m: m.evaluate(x, y, batch_size=8, verbose=0), 1),
        ("predict(x)", lambda m: m.predict(x, batch_size=8, verbose=0), 1),
        ("predict([x1, x2])", lambda m: m.predict(two, batch_size=8, verbose=0), 2),
    ]


def _recording_model(k, n_inputs, seen):
    # Keras' JAX trainer calls its steps as step(state, data) and takes (logs, state) back.
    class Recording(k.Model):
        def train_step(self, *args):
            seen.append(_structure(args[-1]))
            return ({}, args[0]) if len(args) == 2 else {}

        def test_step(self, *args):
            seen.append(_structure(args[-1]))
            return ({}, args[0]) if len(args) == 2 else {}

        def predict_step(self, *args):
            seen.append(_structure(args[-1]))
            return super().predict_step(*args)

    inputs = [k.Input((3,), name="a")] if n_inputs == 1 else [k.Input((3,), name="a"), k.Input((2,), name="b")]
    merged = inputs[0] if n_inputs == 1 else k.layers.Concatenate()(inputs)
    model = Recording(inputs if n_inputs > 1 else inputs[0], k.layers.Dense(1)(merged))
    model.compile(optimizer="sgd", **({"run_eagerly": True} if k is keras else {}))
    return model


@pytest.mark.parametrize("form", range(8), ids=[f for f, _, _ in _fit_forms(np)])
def test_steps_receive_the_batch_structure_keras_gives(form):
    structures = []
    for k in (keras, lm):
        _, call, n_inputs = _fit_forms(k)[form]
        seen = []
        call(_recording_model(k, n_inputs, seen))
        structures.append(seen[-1])
    assert structures[1] == structures[0]
