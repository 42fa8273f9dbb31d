"""Every numpy memory layout is read in logical (C) order wherever an array enters the engine
(issue 11, item 1): Fortran order, strided and negative-stride views, zero strides
(np.broadcast_to), read-only, unaligned and byte-swapped buffers, for every dtype."""

import numpy as np
import pytest

import lamina as lm
from lamina import _core, layers, ops


def _unaligned(x, order="C"):
    """`x` copied one byte into a buffer: misaligned for every dtype wider than a byte."""
    out = np.ndarray(x.shape, x.dtype, buffer=bytearray(x.nbytes + 1), offset=1, order=order)
    out[...] = x
    return out


def _read_only(x):
    x = x.copy()
    x.flags.writeable = False
    return x


# name -> a function giving an array with `x`'s values in another layout.
LAYOUTS = {
    "C": lambda x: x.copy(),
    "F": np.asfortranarray,
    "transposed": lambda x: x.T.copy().T,
    "strided": lambda x: np.repeat(np.repeat(x, 2, axis=0), 3, axis=1)[::2, ::3],
    "negative_strides": lambda x: x[::-1, ::-1].copy()[::-1, ::-1],
    "negative_F": lambda x: np.asfortranarray(x[::-1]).copy(order="F")[::-1],
    "read_only": _read_only,
    "unaligned": _unaligned,
    "unaligned_F": lambda x: _unaligned(x, "F"),
    "big_endian": lambda x: x.astype(x.dtype.newbyteorder(">")),
    "big_endian_F": lambda x: np.asfortranarray(x.astype(x.dtype.newbyteorder(">"))),
    "little_endian_explicit": lambda x: x.astype(x.dtype.newbyteorder("<")),
}

DTYPES = ["float32", "float64", "int32", "int64", "bool", "float16", "int8", "uint8", "int16", "uint16", "uint32", "uint64"]


def _base(dtype, shape=(3, 4)):
    v = np.arange(np.prod(shape)).reshape(shape)
    return (v % 2 == 0) if dtype == "bool" else (v * 3 - 5 if np.dtype(dtype).kind == "i" else v * 3).astype(dtype)


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("dtype", DTYPES)
def test_convert_to_tensor_reads_logical_order(layout, dtype):
    x = _base(dtype)
    y = LAYOUTS[layout](x)
    np.testing.assert_array_equal(y, x)  # the layout keeps the values
    got = np.asarray(ops.convert_to_tensor(y))
    assert got.shape == x.shape
    np.testing.assert_array_equal(got, x.astype(got.dtype))


def test_issue_example_transposed_arange():
    a = np.arange(6, dtype="float32").reshape(3, 2).T
    np.testing.assert_array_equal(np.asarray(ops.convert_to_tensor(a)), [[0, 2, 4], [1, 3, 5]])


def test_zero_strides_and_scalars():
    row = np.arange(4, dtype="float32")
    b = np.broadcast_to(row, (3, 4))
    np.testing.assert_array_equal(np.asarray(ops.convert_to_tensor(b)), np.tile(row, (3, 1)))
    col = np.broadcast_to(np.arange(3, dtype="int64")[:, None], (3, 5))
    np.testing.assert_array_equal(np.asarray(ops.convert_to_tensor(col)), np.repeat(np.arange(3)[:, None], 5, 1))
    # 0-d arrays and numpy scalars keep rank 0, in any byte order.
    for s in (np.float32(2.5), np.array(2.5, ">f8"), np.array(7, ">i4")):
        t = ops.convert_to_tensor(s)
        assert t.shape == () and float(np.asarray(t)) == float(s)


def test_big_endian_keeps_width():
    # A byte-swapped float64 array stays float64 (it used to become float32).
    t = ops.convert_to_tensor(np.array([1.0 + 2**-40], ">f8"))
    assert t.dtype == "float64" and np.asarray(t)[0] == 1.0 + 2**-40
    assert ops.convert_to_tensor(np.array([2**40], ">i8")).dtype == "int64"


def test_bool_bytes_other_than_one_are_true():
    raw = np.frombuffer(bytes([0, 1, 2, 255]), dtype=np.bool_)
    np.testing.assert_array_equal(np.asarray(ops.convert_to_tensor(raw)), [False, True, True, True])


def test_higher_rank_and_empty_layouts():
    x = np.arange(2 * 3 * 4 * 5, dtype="float32").reshape(2, 3, 4, 5)
    for y in (np.asfortranarray(x), x.transpose(2, 0, 3, 1).copy().transpose(1, 3, 0, 2), x[:, ::-1, :, ::2].copy()):
        want = np.ascontiguousarray(y)
        np.testing.assert_array_equal(np.asarray(ops.convert_to_tensor(y)), want)
    for shape in ((0, 3), (3, 0), (0,)):
        e = np.asfortranarray(np.zeros(shape, "float32"))
        assert np.asarray(ops.convert_to_tensor(e)).shape == shape


@pytest.mark.parametrize("layout", ["F", "strided", "negative_strides", "unaligned_F", "big_endian_F"])
def test_ops_take_any_layout(layout):
    x = _base("float32")
    y = LAYOUTS[layout](x)
    np.testing.assert_array_equal(np.asarray(ops.add(y, 1.0)), x + 1)
    np.testing.assert_array_equal(np.asarray(ops.add(y, y)), x + x)
    np.testing.assert_allclose(np.asarray(ops.matmul(y, y.T)), x @ x.T)
    np.testing.assert_array_equal(np.asarray(ops.sum(y, axis=0)), x.sum(0))
    np.testing.assert_array_equal(np.asarray(ops.reshape(y, (-1,))), x.ravel())


@pytest.mark.parametrize("layout", ["F", "strided", "negative_strides", "unaligned", "big_endian"])
def test_take_rows_any_layout(layout):
    # fit's shuffled batches come from take_rows; a layout it cannot gather in place goes
    # through numpy, never through the raw buffer.
    x = _base("float32", (6, 4))
    rows = np.array([5, 0, 3, 3], dtype=np.int64)
    got = np.asarray(_core.take_rows(LAYOUTS[layout](x), rows))
    np.testing.assert_array_equal(got, x[rows])
    got = np.asarray(_core.take_rows(x, rows[::2]))  # non-contiguous row indices
    np.testing.assert_array_equal(got, x[rows[::2]])


def _dense_model():
    lm.utils.set_random_seed(0)
    return lm.Sequential([layers.Input((5,)), layers.Dense(3)])


@pytest.mark.parametrize("layout", ["F", "strided", "negative_strides", "unaligned_F", "big_endian_F", "read_only"])
def test_model_call_and_predict_any_layout(layout):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(7, 5)).astype("float32")
    model = _dense_model()
    want = np.asarray(model(x))
    y = LAYOUTS[layout](x)
    np.testing.assert_allclose(np.asarray(model(y)), want, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(model.predict(y, verbose=0), want, rtol=1e-6, atol=1e-6)
    # pandas' df.values of a float frame is Fortran-ordered.
    np.testing.assert_allclose(model.predict(np.asfortranarray(x), batch_size=3, verbose=0), want, rtol=1e-6, atol=1e-6)


def test_fit_on_fortran_data_matches_c_data():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(16, 5)).astype("float32")
    y = rng.normal(size=(16, 3)).astype("float32")
    losses = []
    for xs in (x, np.asfortranarray(x)):
        model = _dense_model()  # also seeds numpy, so both runs shuffle alike
        model.set_weights([np.full((5, 3), 0.1, "float32"), np.zeros(3, "float32")])
        model.compile(optimizer="sgd", loss="mse")
        losses.append(model.fit(xs, np.asfortranarray(y), batch_size=4, epochs=2, shuffle=True, verbose=0).history["loss"])
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-6)
