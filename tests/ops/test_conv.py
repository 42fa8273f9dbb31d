"""conv, depthwise_conv, separable_conv, conv_transpose: forward against direct-loop numpy
references (written from the definitions with TensorFlow's padding arithmetic), gradients
against finite differences, errors."""

import itertools
from types import SimpleNamespace

import numpy as np
import pytest

import lamina as lm
from lamina import ops
from op_check import check_op

# ---------------------------------------------------------------------------------------------
# References


def per_axis(v, n):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


def window_output(size, window, stride, padding):
    """(output length, padding before) of one axis, as TensorFlow computes them."""
    if padding == "valid":
        return (size - window) // stride + 1, 0
    out = -(-size // stride)
    total = max((out - 1) * stride + window - size, 0)
    return out, total // 2


def _channels_last(x, data_format):
    return np.moveaxis(x, 1, -1) if data_format == "channels_first" else x


def _restore(y, data_format):
    return np.moveaxis(y, -1, 1) if data_format == "channels_first" else y


def conv_ref(x, k, strides=1, padding="valid", data_format="channels_last", dilation_rate=1):
    """Grouped convolution: y[n, o..., c] = sum over taps and the group's input channels."""
    x = _channels_last(x, data_format)
    sp = x.ndim - 2
    s, d = per_axis(strides, sp), per_axis(dilation_rate, sp)
    ks = k.shape[:sp]
    kin, out_c = k.shape[-2:]
    groups = x.shape[-1] // kin
    og = out_c // groups
    geo = [window_output(x.shape[1 + i], (ks[i] - 1) * d[i] + 1, s[i], padding) for i in range(sp)]
    y = np.zeros((x.shape[0], *[o for o, _ in geo], out_c), dtype=np.result_type(x, k))
    for opos in itertools.product(*[range(o) for o, _ in geo]):
        for tap in itertools.product(*[range(n) for n in ks]):
            ipos = [opos[i] * s[i] + tap[i] * d[i] - geo[i][1] for i in range(sp)]
            if any(p < 0 or p >= x.shape[1 + i] for i, p in enumerate(ipos)):
                continue
            xv = x[(slice(None), *ipos)]
            for g in range(groups):
                y[(slice(None), *opos, slice(g * og, (g + 1) * og))] += xv[:, g * kin:(g + 1) * kin] @ k[tap][:, g * og:(g + 1) * og]
    return _restore(y, data_format)


def depthwise_ref(x, k, strides=1, padding="valid", data_format="channels_last", dilation_rate=1):
    """y[..., c * m + j] = sum over taps of x[..., c] * k[tap, c, j]."""
    x = _channels_last(x, data_format)
    sp = x.ndim - 2
    s, d = per_axis(strides, sp), per_axis(dilation_rate, sp)
    ks = k.shape[:sp]
    c, m = k.shape[-2:]
    geo = [window_output(x.shape[1 + i], (ks[i] - 1) * d[i] + 1, s[i], padding) for i in range(sp)]
    y = np.zeros((x.shape[0], *[o for o, _ in geo], c, m), dtype=np.result_type(x, k))
    for opos in itertools.product(*[range(o) for o, _ in geo]):
        for tap in itertools.product(*[range(n) for n in ks]):
            ipos = [opos[i] * s[i] + tap[i] * d[i] - geo[i][1] for i in range(sp)]
            if any(p < 0 or p >= x.shape[1 + i] for i, p in enumerate(ipos)):
                continue
            y[(slice(None), *opos)] += x[(slice(None), *ipos)][:, :, None] * k[tap][None]
    y = y.reshape(*y.shape[:-2], c * m)
    return _restore(y, data_format)


def separable_ref(x, dk, pk, strides=1, padding="valid", data_format="channels_last", dilation_rate=1):
    y = depthwise_ref(x, dk, strides, padding, data_format, dilation_rate)
    return conv_ref(y, pk, 1, "valid", data_format, 1)


def conv_transpose_length(size, window, stride, padding, output_padding):
    """Keras' output length of a transposed convolution along one axis."""
    if output_padding is None:
        return size * stride + max(window - stride, 0) if padding == "valid" else size * stride
    pad = 0 if padding == "valid" else window // 2
    return (size - 1) * stride + window - 2 * pad + output_padding


def transpose_ref(x, k, strides=1, padding="valid", output_padding=None, data_format="channels_last", dilation_rate=1):
    """Scatter form: each input cell adds x[cell] @ k[tap].T at cell * stride + tap * dilation - pad."""
    x = _channels_last(x, data_format)
    sp = x.ndim - 2
    s, d = per_axis(strides, sp), per_axis(dilation_rate, sp)
    op = None if output_padding is None else per_axis(output_padding, sp)
    ks = k.shape[:sp]
    out_c = k.shape[-2]
    full, pads = [], []
    for i in range(sp):
        window = (ks[i] - 1) * d[i] + 1
        n = conv_transpose_length(x.shape[1 + i], window, s[i], padding, None if op is None else op[i])
        full.append(n)
        pads.append(window_output(n, window, s[i], padding)[1])
    y = np.zeros((x.shape[0], *full, out_c), dtype=np.result_type(x, k))
    for ipos in itertools.product(*[range(n) for n in x.shape[1:1 + sp]]):
        for tap in itertools.product(*[range(n) for n in ks]):
            opos = [ipos[i] * s[i] + tap[i] * d[i] - pads[i] for i in range(sp)]
            if any(p < 0 or p >= full[i] for i, p in enumerate(opos)):
                continue
            y[(slice(None), *opos)] += x[(slice(None), *ipos)] @ k[tap].T
    return _restore(y, data_format)


ref = SimpleNamespace(conv=conv_ref, depthwise_conv=depthwise_ref, separable_conv=separable_ref, conv_transpose=transpose_ref)


# ---------------------------------------------------------------------------------------------


def _fn(op, **kw):
    return lambda *t: op(*t, **kw)


def _ref(fn, **kw):
    return lambda *a: fn(*a, **kw)


CONV_CASES = [
    dict(),
    dict(padding="same"),
    dict(strides=2),
    dict(strides=(2, 1), padding="same"),
    dict(dilation_rate=2),
    dict(dilation_rate=(1, 2), padding="same"),
    dict(strides=2, dilation_rate=2, padding="same"),
]


@pytest.mark.parametrize("kw", CONV_CASES)
def test_conv2d(rng, kw):
    x = rng.standard_normal((2, 6, 5, 3))
    k = rng.standard_normal((3, 2, 3, 4))
    check_op(_fn(ops.conv, **kw), _ref(ref.conv, **kw), x, k, atol=1e-5)


def test_conv2d_channels_first(rng):
    x = rng.standard_normal((2, 3, 5, 6))
    k = rng.standard_normal((2, 3, 3, 2))
    kw = dict(padding="same", strides=(1, 2), data_format="channels_first")
    check_op(_fn(ops.conv, **kw), _ref(ref.conv, **kw), x, k, atol=1e-5)


@pytest.mark.parametrize("kw", [dict(), dict(padding="same", strides=2), dict(dilation_rate=2), dict(data_format="channels_first", padding="same")])
def test_conv1d(rng, kw):
    x = rng.standard_normal((2, 3, 9) if kw.get("data_format") == "channels_first" else (2, 9, 3))
    k = rng.standard_normal((3, 3, 4))
    check_op(_fn(ops.conv, **kw), _ref(ref.conv, **kw), x, k, atol=1e-5)


def test_grouped_conv(rng):
    # 6 input channels over a kernel with 2 per group: 3 groups, 2 outputs each.
    x = rng.standard_normal((2, 5, 5, 6))
    k = rng.standard_normal((3, 3, 2, 6))
    check_op(_fn(ops.conv, padding="same"), _ref(ref.conv, padding="same"), x, k, atol=1e-5)
    x1 = rng.standard_normal((2, 7, 4))
    k1 = rng.standard_normal((2, 2, 4))
    check_op(_fn(ops.conv, strides=2), _ref(ref.conv, strides=2), x1, k1, atol=1e-5)


def test_pointwise_conv(rng):
    # A 1x1 kernel at stride 1 takes the no-packing path.
    x = rng.standard_normal((2, 4, 3, 5))
    k = rng.standard_normal((1, 1, 5, 3))
    check_op(ops.conv, ref.conv, x, k, atol=1e-5)


def test_conv_size_one_and_empty(rng):
    check_op(ops.conv, ref.conv, rng.standard_normal((1, 3, 3, 1)), rng.standard_normal((3, 3, 1, 1)), atol=1e-5)
    y = ops.conv(np.zeros((0, 5, 5, 2), np.float32), np.zeros((3, 3, 2, 4), np.float32))
    assert y.shape == (0, 3, 3, 4)
    y = ops.conv(np.zeros((2, 0, 5, 2), np.float32), np.zeros((3, 3, 2, 4), np.float32), padding="same")
    assert y.shape == (2, 0, 5, 4)
    y = ops.conv(np.ones((2, 5, 5, 2), np.float32), np.ones((3, 3, 2, 0), np.float32))
    assert y.shape == (2, 3, 3, 0)


def test_conv_dtypes(rng):
    xi = rng.integers(-3, 3, (1, 4, 4, 2)).astype(np.int32)
    k = rng.standard_normal((2, 2, 2, 3)).astype(np.float32)
    y = ops.conv(xi, k)
    assert y.dtype == "float32"
    np.testing.assert_allclose(np.asarray(y), ref.conv(xi.astype(np.float32), k), rtol=1e-5, atol=1e-5)
    y = ops.conv(xi.astype(np.float32), k.astype(np.float64))
    assert y.dtype == "float64"


def test_conv_large_batch_uses_parallel_blocks(rng):
    # Big enough to split over threads and blocks; checked against a numpy im2col reference,
    # and the gradients through the adjoint identities <dy, conv(x', w)> = <dx, x'> and
    # <dy, conv(x, w')> = <dw, w'> (conv is linear in each argument).
    x = rng.standard_normal((16, 13, 13, 16))
    w = rng.standard_normal((3, 3, 16, 32))
    cols = np.stack([x[:, i:i + 11, j:j + 11, :] for i in range(3) for j in range(3)], axis=3).reshape(16, 11, 11, -1)
    want = cols @ w.reshape(-1, 32)
    np.testing.assert_allclose(np.asarray(ops.conv(x, w)), want, rtol=1e-9, atol=1e-9)
    dy = rng.standard_normal(want.shape)
    xt, wt = lm.tensor(x), lm.tensor(w)
    with lm.GradientTape() as tape:
        tape.watch([xt, wt])
        loss = ops.sum(ops.multiply(ops.conv(xt, wt), lm.tensor(dy)))
    dx, dw = (np.asarray(g) for g in tape.gradient(loss, [xt, wt]))
    x2, w2 = rng.standard_normal(x.shape), rng.standard_normal(w.shape)
    np.testing.assert_allclose(np.sum(dx * x2), np.sum(dy * np.asarray(ops.conv(x2, w))), rtol=1e-9)
    np.testing.assert_allclose(np.sum(dw * w2), np.sum(dy * np.asarray(ops.conv(x, w2))), rtol=1e-9)


@pytest.mark.parametrize("kw", [dict(), dict(padding="same", strides=2), dict(dilation_rate=(2, 1))])
def test_depthwise_conv2d(rng, kw):
    x = rng.standard_normal((2, 5, 6, 3))
    k = rng.standard_normal((3, 2, 3, 2))
    check_op(_fn(ops.depthwise_conv, **kw), _ref(ref.depthwise_conv, **kw), x, k, atol=1e-5)


def test_depthwise_conv1d_channels_first(rng):
    kw = dict(padding="same", data_format="channels_first")
    check_op(_fn(ops.depthwise_conv, **kw), _ref(ref.depthwise_conv, **kw), rng.standard_normal((2, 3, 7)), rng.standard_normal((3, 3, 2)), atol=1e-5)


@pytest.mark.parametrize("kw", [dict(), dict(padding="same", strides=2)])
def test_separable_conv(rng, kw):
    x = rng.standard_normal((2, 5, 5, 2))
    dk = rng.standard_normal((3, 3, 2, 2))
    pk = rng.standard_normal((1, 1, 4, 3))
    check_op(_fn(ops.separable_conv, **kw), _ref(ref.separable_conv, **kw), x, dk, pk, atol=1e-5)
    check_op(_fn(ops.separable_conv, **kw), _ref(ref.separable_conv, **kw), rng.standard_normal((2, 7, 2)),
             rng.standard_normal((3, 2, 2)), rng.standard_normal((1, 4, 3)), atol=1e-5)


TRANSPOSE_CASES = [
    dict(strides=1),
    dict(strides=2),
    dict(strides=2, padding="same"),
    dict(strides=(2, 3), padding="valid", output_padding=1),
    dict(strides=2, padding="same", output_padding=1),
    dict(strides=1, dilation_rate=2, padding="same"),
    dict(strides=3, padding="valid"),
]


@pytest.mark.parametrize("kw", TRANSPOSE_CASES)
def test_conv_transpose2d(rng, kw):
    x = rng.standard_normal((2, 3, 4, 3))
    k = rng.standard_normal((3, 3, 2, 3))
    check_op(_fn(ops.conv_transpose, **kw), _ref(ref.conv_transpose, **kw), x, k, atol=1e-5)


def test_conv_transpose_shapes_follow_keras():
    x = np.zeros((1, 5, 5, 4), np.float32)
    k = np.zeros((3, 3, 8, 4), np.float32)
    assert ops.conv_transpose(x, k, 2).shape == (1, 11, 11, 8)
    assert ops.conv_transpose(x, k, 2, padding="same").shape == (1, 10, 10, 8)
    assert ops.conv_transpose(x, k, 2, padding="same", output_padding=1).shape == (1, 10, 10, 8)
    assert ops.conv_transpose(x, k, 2, padding="valid", output_padding=1).shape == (1, 12, 12, 8)
    assert ops.conv_transpose(x, np.zeros((1, 1, 8, 4), np.float32), 2).shape == (1, 10, 10, 8)


def test_conv_transpose1d_and_channels_first(rng):
    kw = dict(strides=2, padding="same")
    check_op(_fn(ops.conv_transpose, **kw), _ref(ref.conv_transpose, **kw), rng.standard_normal((2, 4, 3)), rng.standard_normal((3, 2, 3)), atol=1e-5)
    kw = dict(strides=2, data_format="channels_first")
    check_op(_fn(ops.conv_transpose, **kw), _ref(ref.conv_transpose, **kw), rng.standard_normal((2, 3, 3, 2)), rng.standard_normal((2, 2, 4, 3)), atol=1e-5)


def test_conv_transpose_is_the_input_gradient_of_conv(rng):
    x = rng.standard_normal((2, 7, 7, 3))
    k = rng.standard_normal((3, 3, 3, 4))
    dy = rng.standard_normal((2, 4, 4, 4))
    xt = lm.tensor(x)
    with lm.GradientTape() as tape:
        tape.watch(xt)
        loss = ops.sum(ops.multiply(ops.conv(xt, k, strides=2, padding="same"), lm.tensor(dy)))
    dx = np.asarray(tape.gradient(loss, xt))
    # 7 -> 4 at stride 2 "same"; the transpose of 4 at stride 2 "same" gives 8 without
    # output_padding, and 7 with output_padding=0.
    np.testing.assert_allclose(np.asarray(ops.conv_transpose(dy, k, 2, padding="same", output_padding=0)), dx, rtol=1e-10, atol=1e-10)


def test_errors(rng):
    x4 = np.zeros((1, 5, 5, 3), np.float32)
    with pytest.raises(ValueError, match=r"conv: inputs must have rank 3 .* got shape \[5, 3\]"):
        ops.conv(np.zeros((5, 3), np.float32), np.zeros((3, 3, 2), np.float32))
    with pytest.raises(ValueError, match=r"conv: inputs must have rank 3"):
        ops.conv(np.zeros((1, 2, 5, 5, 3), np.float32), np.zeros((3, 3, 3, 3, 2), np.float32))
    with pytest.raises(ValueError, match=r"conv: a 2-D operation needs a kernel of rank 4.*\[3, 3, 2\]"):
        ops.conv(x4, np.zeros((3, 3, 2), np.float32))
    with pytest.raises(ValueError, match=r"conv: the inputs' 3 channels must be a multiple of the kernel's 2 input channels"):
        ops.conv(x4, np.zeros((3, 3, 2, 4), np.float32))
    with pytest.raises(ValueError, match=r"conv: the kernel's 4 output channels must be divisible by the 3 groups"):
        ops.conv(x4, np.zeros((3, 3, 1, 4), np.float32))
    with pytest.raises(ValueError, match=r"conv: padding must be 'valid' or 'same', got 'full'"):
        ops.conv(x4, np.zeros((3, 3, 3, 2), np.float32), padding="full")
    with pytest.raises(ValueError, match=r"data_format must be 'channels_last' or 'channels_first'"):
        ops.conv(x4, np.zeros((3, 3, 3, 2), np.float32), data_format="nhwc")
    with pytest.raises(ValueError, match=r"conv: the kernel window \[6, 3\] .* larger than the spatial size \[5, 5\] of inputs of shape \[1, 5, 5, 3\]"):
        ops.conv(x4, np.zeros((6, 3, 3, 2), np.float32))
    with pytest.raises(ValueError, match=r"conv: the kernel window \[3, 3\] \(dilation \[3, 3\]\) is larger"):
        ops.conv(x4, np.zeros((3, 3, 3, 2), np.float32), dilation_rate=3)
    with pytest.raises(ValueError, match=r"conv: the kernel's spatial size must be at least 1, got kernel shape \[0, 3, 3, 2\]"):
        ops.conv(x4, np.zeros((0, 3, 3, 2), np.float32))
    with pytest.raises(ValueError, match=r"conv: strides must be positive"):
        ops.conv(x4, np.zeros((3, 3, 3, 2), np.float32), strides=0)
    with pytest.raises(ValueError, match=r"conv: strides must be an int or a tuple of 2 ints"):
        ops.conv(x4, np.zeros((3, 3, 3, 2), np.float32), strides=(1, 1, 1))
    with pytest.raises(ValueError, match=r"depthwise_conv: the kernel's input channels \(2"):
        ops.depthwise_conv(x4, np.zeros((3, 3, 2, 1), np.float32))
    with pytest.raises(ValueError, match=r"separable_conv: the pointwise kernel must have shape \[1, 1, 6, 4\]"):
        ops.separable_conv(x4, np.zeros((3, 3, 3, 2), np.float32), np.zeros((1, 1, 5, 4), np.float32))
    with pytest.raises(ValueError, match=r"conv_transpose: the kernel's input channels \(2, kernel.shape\[-1\]\)"):
        ops.conv_transpose(x4, np.zeros((3, 3, 4, 2), np.float32), 1)
    with pytest.raises(ValueError, match=r"conv_transpose: .*output_padding \[2\]"):
        ops.conv_transpose(x4, np.zeros((3, 3, 4, 3), np.float32), 2, output_padding=2)



# ---------------------------------------------------------------------------------------------
# The gpu device (check_op above runs every case there too; these cover what it does not)

def _gpu_or_skip():
    if "gpu" not in lm.list_devices():
        pytest.skip("gpu: no GPU adapter")


def test_gpu_conv_dtypes_empty_and_errors(rng):
    _gpu_or_skip()
    xi = rng.integers(-3, 3, (1, 4, 4, 2)).astype(np.int32)
    k = rng.standard_normal((2, 2, 2, 3)).astype(np.float32)
    y = ops.conv(lm.tensor(xi).to("gpu"), lm.tensor(k).to("gpu"))
    assert y.device == "gpu" and y.dtype == "float32"
    np.testing.assert_allclose(np.asarray(y), ref.conv(xi.astype(np.float32), k), rtol=1e-5, atol=1e-5)
    g = lambda a: lm.tensor(np.asarray(a, np.float32)).to("gpu")
    for y, shape in [(ops.conv(g(np.zeros((0, 5, 5, 2))), g(np.zeros((3, 3, 2, 4)))), (0, 3, 3, 4)),
                     (ops.conv(g(np.zeros((2, 0, 5, 2))), g(np.zeros((3, 3, 2, 4))), padding="same"), (2, 0, 5, 4)),
                     (ops.conv(g(np.ones((2, 5, 5, 2))), g(np.ones((3, 3, 2, 0)))), (2, 3, 3, 0)),
                     (ops.conv(g(np.ones((1, 4, 4, 0))), g(np.ones((3, 3, 0, 2)))), (1, 2, 2, 2))]:
        assert y.shape == shape and y.device == "gpu"
        np.testing.assert_array_equal(np.asarray(y), np.zeros(shape, np.float32))
    with pytest.raises(RuntimeError, match=r"conv: expected all tensors on the same device"):
        ops.conv(g(np.ones((1, 4, 4, 2))), lm.tensor(np.ones((3, 3, 2, 2), np.float32)))


def test_gpu_conv_larger_batch_matches_cpu(rng):
    # Enough output positions (16 * 16 * 16) that the filter gradient sums them in several
    # chunks; against the cpu backend in float32.
    _gpu_or_skip()
    x = rng.standard_normal((16, 16, 16, 3)).astype(np.float32)
    w = rng.standard_normal((3, 3, 3, 5)).astype(np.float32)
    dy = rng.standard_normal((16, 16, 16, 5)).astype(np.float32)

    def run(device):
        xt, wt = lm.tensor(x).to(device), lm.tensor(w).to(device)
        with lm.GradientTape() as tape:
            tape.watch([xt, wt])
            y = ops.conv(xt, wt, padding="same")
            loss = ops.sum(ops.multiply(y, lm.tensor(dy).to(device)))
        dx, dw = tape.gradient(loss, [xt, wt])
        assert {y.device, dx.device, dw.device} == {device}
        return [np.asarray(t) for t in (y, dx, dw)]

    for got, want in zip(run("gpu"), run("cpu")):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
