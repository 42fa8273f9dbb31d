"""Files lamina writes open in real Keras 3 with the same predictions and optimizer state.

Needs real Keras 3 (the `test` extra installs it with JAX): skipped where it is missing, and
failing in CI (see keras_check.py).
"""

import numpy as np
import pytest

import lamina as lm
from keras_check import require_keras
from keras_architectures import ARCHITECTURES as BUILDERS
from keras_fixtures import TOLERANCE, predict
from lamina.saving import optimizer_state
from test_legacy_h5_writing import trained_lamina_model

keras = require_keras()


def _keras_predict(model, xs) -> list:
    y = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
    return [np.asarray(v) for v in (y if isinstance(y, (list, tuple)) else [y])]


def _assert_same_optimizer_state(keras_model, lamina_model):
    theirs = [np.asarray(v) for v in keras_model.optimizer.variables]
    ours = [value for _, value in optimizer_state.keras_variables(lamina_model.optimizer, lamina_model)]
    assert len(theirs) == len(ours)
    for a, b in zip(theirs, ours):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("builder", BUILDERS, ids=[b.__name__ for b in BUILDERS])
@pytest.mark.parametrize("suffix", [".h5", ".keras"])
def test_keras3_loads_lamina_model_files(tmp_path, builder, suffix):
    model, xs = trained_lamina_model(builder)
    target = str(tmp_path / f"m{suffix}")
    model.save(target)
    restored = keras.models.load_model(target)
    for a, b in zip(_keras_predict(restored, xs), predict(model, xs)):
        assert float(np.max(np.abs(a - b))) <= TOLERANCE
    assert int(restored.optimizer.iterations.numpy()) == 1
    if suffix == ".keras":
        # Keras 3.15 restores legacy HDF5 optimizer state only into an optimizer built for the
        # model's own variables (none), so it keeps just the step count, from its own files too.
        _assert_same_optimizer_state(restored, model)


@pytest.mark.parametrize("builder", BUILDERS, ids=[b.__name__ for b in BUILDERS])
def test_keras3_loads_lamina_weights_files(tmp_path, builder):
    model, xs = trained_lamina_model(builder)
    target = str(tmp_path / "m.weights.h5")
    model.save_weights(target)
    keras_model, *_ = builder(keras, np.random.default_rng(0))
    keras_model.load_weights(target)
    for a, b in zip(_keras_predict(keras_model, xs), predict(model, xs)):
        assert float(np.max(np.abs(a - b))) <= TOLERANCE


def test_keras3_files_written_here_load_in_lamina(tmp_path):
    """The other direction, with this Keras rather than the committed fixtures' version."""
    keras_model, xs, ys, loss = BUILDERS[0](keras, np.random.default_rng(0))
    keras_model.compile(optimizer="adam", loss=loss)
    keras_model.fit(xs[0], ys[0], epochs=1, verbose=0)
    expected = _keras_predict(keras_model, xs)
    for suffix in (".keras", ".h5"):
        target = str(tmp_path / f"k{suffix}")
        keras_model.save(target)
        loaded = lm.models.load_model(target)
        assert float(np.max(np.abs(predict(loaded, xs)[0] - expected[0]))) <= TOLERANCE
