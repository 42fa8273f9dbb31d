"""lamina.random: determinism, distributions, truncation, dropout, SeedGenerator, set_random_seed."""

import os
import random as python_random
import subprocess
import sys

import numpy as np
import pytest

import lamina as lm
import lamina.random as lr
from lamina import ops
from lamina.utils import set_random_seed


def test_int_seed_is_deterministic_and_seeds_differ():
    for fn in (lr.uniform, lr.normal, lr.truncated_normal):
        a = np.asarray(fn((3, 4), seed=7))
        b = np.asarray(fn((3, 4), seed=7))
        c = np.asarray(fn((3, 4), seed=8))
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(a, c)
    np.testing.assert_array_equal(np.asarray(lr.randint((5,), 0, 100, seed=3)), np.asarray(lr.randint((5,), 0, 100, seed=3)))


def test_values_are_fixed_across_runs():
    # The generator is a pure function of (seed, draw, position): these never change.
    np.testing.assert_allclose(np.asarray(lr.normal((3,), seed=1)), [0.7594659, -0.6689012, 1.117323], rtol=1e-6)


def test_seed_generator_sequence():
    g1, g2 = lr.SeedGenerator(42), lr.SeedGenerator(42)
    a1, a2 = lr.normal((4,), seed=g1), lr.normal((4,), seed=g1)
    assert not np.array_equal(np.asarray(a1), np.asarray(a2))
    np.testing.assert_array_equal(np.asarray(a1), np.asarray(lr.normal((4,), seed=g2)))
    np.testing.assert_array_equal(np.asarray(a2), np.asarray(lr.normal((4,), seed=g2)))
    assert g1.state == (42, 2)
    # A drawn seed is accepted as a seed and reproduces that draw.
    g3 = lr.SeedGenerator(42)
    drawn = g3.next()
    np.testing.assert_array_equal(np.asarray(lr.normal((4,), seed=drawn)), np.asarray(a1))
    assert lr.SeedGenerator.from_config(g1.get_config()).seed == 42


def test_set_random_seed_covers_global_python_and_numpy():
    set_random_seed(123)
    a = np.asarray(lr.uniform((5,)))
    p, n = python_random.random(), np.random.rand()
    gen_seed = lr.SeedGenerator().seed
    set_random_seed(123)
    np.testing.assert_array_equal(np.asarray(lr.uniform((5,))), a)
    assert python_random.random() == p and np.random.rand() == n
    assert lr.SeedGenerator().seed == gen_seed
    assert not np.array_equal(np.asarray(lr.uniform((5,))), a)  # the global generator advances


def test_same_values_with_one_thread():
    # Large enough for the multithreaded fill; a one-thread process must give the same values.
    code = "import numpy as np, lamina.random as lr; print(float(np.asarray(lr.normal((300000,), seed=5)).astype(np.float64).sum()))"
    env = dict(os.environ, RAYON_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    here = float(np.asarray(lr.normal((300000,), seed=5)).astype(np.float64).sum())
    assert float(out) == here


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_uniform_and_normal_moments(dtype):
    u = np.asarray(lr.uniform((200_000,), minval=-2.0, maxval=4.0, dtype=dtype, seed=1))
    assert u.dtype == dtype
    assert u.min() >= -2.0 and u.max() < 4.0
    assert abs(u.mean() - 1.0) < 0.02 and abs(u.std() - 6 / np.sqrt(12)) < 0.02
    z = np.asarray(lr.normal((200_000,), mean=3.0, stddev=2.0, dtype=dtype, seed=2))
    assert z.dtype == dtype
    assert abs(z.mean() - 3.0) < 0.02 and abs(z.std() - 2.0) < 0.02
    # Tails: about 4.55% beyond 2 sigma.
    assert abs(np.mean(np.abs(z - 3.0) > 4.0) - 0.0455) < 0.004


def test_truncated_normal_bounds_and_moments():
    t = np.asarray(lr.truncated_normal((200_000,), mean=1.0, stddev=0.5, seed=3))
    assert t.dtype == np.float32
    assert t.min() >= 0.0 and t.max() <= 2.0
    # A standard normal truncated to [-2, 2] has standard deviation 0.8796.
    assert abs(t.mean() - 1.0) < 0.01 and abs(t.std() - 0.5 * 0.8796) < 0.01
    assert np.asarray(lr.truncated_normal((10,), dtype="float64", seed=1)).dtype == np.float64


def test_randint():
    r = np.asarray(lr.randint((50_000,), -3, 5, seed=4))
    assert r.dtype == np.int32
    assert set(np.unique(r)) == set(range(-3, 5))
    assert abs(np.mean(r == 0) - 1 / 8) < 0.01
    big = np.asarray(lr.randint((10,), 0, 2**40, dtype="int64", seed=4))
    assert big.dtype == np.int64 and big.max() < 2**40
    with pytest.raises(ValueError, match="randint.*greater"):
        lr.randint((2,), 5, 5)
    with pytest.raises(TypeError, match="randint: dtype"):
        lr.randint((2,), 0, 5, dtype="float32")


def test_shuffle_is_a_permutation_and_differentiable():
    x = np.arange(20.0).reshape(10, 2)
    s = np.asarray(lr.shuffle(x, seed=1))
    assert not np.array_equal(s, x)
    np.testing.assert_array_equal(np.sort(s[:, 0]), x[:, 0])
    np.testing.assert_array_equal(s[:, 1] - s[:, 0], np.ones(10))  # rows move whole
    cols = np.asarray(lr.shuffle(x, axis=1, seed=2))
    np.testing.assert_array_equal(np.sort(cols, axis=1), x)
    v = lm.tensor(x)
    with lm.GradientTape() as tape:
        tape.watch(v)
        y = ops.sum(lr.shuffle(v, seed=3) * lm.tensor(np.arange(10.0)[:, None]))
    g = np.asarray(tape.gradient(y, v))
    np.testing.assert_array_equal(np.sort(g[:, 0]), np.arange(10.0))


def test_dropout_scaling_and_gradient():
    x = lm.tensor(np.ones((400, 500), np.float32))
    with lm.GradientTape() as tape:
        tape.watch(x)
        y = lr.dropout(x, 0.3, seed=5)
    out = np.asarray(y)
    kept = out != 0
    assert abs(kept.mean() - 0.7) < 0.01
    np.testing.assert_allclose(out[kept], 1 / 0.7, rtol=1e-6)
    assert abs(out.mean() - 1.0) < 0.02
    g = np.asarray(tape.gradient(y, x))
    np.testing.assert_array_equal(g, out)  # d(out)/dx is the same scaled mask
    np.testing.assert_array_equal(np.asarray(lr.dropout(x, 0.3, seed=5)), out)


def test_dropout_noise_shape_and_edge_cases():
    x = lm.tensor(np.ones((8, 5, 6), np.float64))
    y = np.asarray(lr.dropout(x, 0.5, noise_shape=(8, 1, 6), seed=1))
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y, np.broadcast_to(y[:, :1, :], y.shape))  # same mask at every step
    y2 = np.asarray(lr.dropout(x, 0.5, noise_shape=(None, 1, None), seed=1))
    np.testing.assert_array_equal(y, y2)
    np.testing.assert_array_equal(np.asarray(lr.dropout(x, 0.0)), np.asarray(x))
    with pytest.raises(ValueError, match=r"rate must be in \[0, 1\)"):
        lr.dropout(x, 1.0)
    with pytest.raises(ValueError, match="noise_shape"):
        lr.dropout(x, 0.5, noise_shape=(8, 2, 6))
    with pytest.raises(TypeError, match="dropout"):
        lr.dropout(np.ones(3, np.int32), 0.5)


def test_bad_seed_and_dtype():
    with pytest.raises(TypeError, match="seed must be"):
        lr.uniform((2,), seed="abc")
    with pytest.raises(TypeError, match="uniform: dtype"):
        lr.uniform((2,), dtype="int32")
    with pytest.raises(TypeError, match="SeedGenerator: seed"):
        lr.SeedGenerator(1.5)
