//! Convolutions with keras.ops names and semantics: `conv` (1-D and 2-D, grouped),
//! `depthwise_conv`, `separable_conv` and `conv_transpose`. Inputs are channels-last by
//! default (channels-first is a transposed view in and out); kernels are laid out spatial
//! axes first, then input channels, then output channels (HWIO), as in Keras.
//!
//! Every variant reduces to one recorded 2-D channels-last primitive (see `primitives`): a
//! 1-D convolution is a 2-D one of height 1, depthwise is grouped with one input channel per
//! group, separable is depthwise then a 1x1 convolution, and the transposed convolution is
//! the convolution's input gradient.
//!
//! Dtype rule: the result has `float_of(promote(inputs, kernel))`: float operands keep the
//! wider float dtype; integer and bool operands compute in float32.

pub(crate) mod geometry;
mod primitives;

pub use geometry::{DataFormat, Padding};

use crate::cpu::conv::Conv2dGeometry;
use crate::dtype::{float_of, promote, DType};
use crate::error::Result;
use crate::layout::{add_dims, mul_dims};
use crate::ops::elementwise::cast;
use crate::ops::shape::{expand_dims, reshape, squeeze};
use crate::tensor::Tensor;
use crate::{shape_err, value_err};

use geometry::{effective_window, from_channels_last, per_axis, spatial_rank, to_channels_last, window_output, windows_output};
use primitives::{conv2d_nhwc, conv2d_transpose_nhwc};

/// Both operands cast (recorded) to the dtype the convolution computes in.
fn float_operands(a: &Tensor, b: &Tensor) -> Result<(Tensor, Tensor, DType)> {
    let dt = float_of(promote(a.dtype(), b.dtype()));
    Ok((cast(a, dt)?, cast(b, dt)?, dt))
}

/// Checks that the kernel has the rank a `spatial`-D operation needs and a window of at
/// least one cell.
fn check_kernel_rank(op: &str, inputs: &Tensor, kernel: &Tensor, spatial: usize, layout: &str) -> Result<()> {
    if kernel.rank() != spatial + 2 {
        return Err(shape_err!(
            "{op}: a {spatial}-D operation needs a kernel of rank {} ({layout}), got kernel shape {:?} for inputs of shape {:?}",
            spatial + 2,
            kernel.shape(),
            inputs.shape()
        ));
    }
    if kernel.shape()[..spatial].contains(&0) {
        return Err(shape_err!("{op}: the kernel's spatial size must be at least 1, got kernel shape {:?}", kernel.shape()));
    }
    Ok(())
}

/// A rank-3 channels-last tensor as rank 4 with height 1 (and back), so that one 2-D
/// primitive serves both ranks.
fn lift_1d(x: &Tensor, spatial: usize) -> Result<Tensor> {
    if spatial == 1 {
        expand_dims(x, 1)
    } else {
        Ok(x.clone())
    }
}

fn lower_1d(y: &Tensor, spatial: usize) -> Result<Tensor> {
    if spatial == 1 {
        squeeze(y, Some(&[1]))
    } else {
        Ok(y.clone())
    }
}

/// Per-axis window settings of one call, already checked.
struct Window {
    strides: Vec<usize>,
    dilation: Vec<usize>,
    padding: Padding,
}

impl Window {
    fn parse(op: &str, spatial: usize, strides: &[usize], dilation: &[usize], padding: Padding) -> Result<Window> {
        Ok(Window { strides: per_axis(strides, spatial, op, "strides")?, dilation: per_axis(dilation, spatial, op, "dilation_rate")?, padding })
    }

}

/// Per-axis values of a 1-D or 2-D window as 2-D ones: 1-D gains a height-1 axis in front.
fn as_2d(v: &[usize]) -> [usize; 2] {
    if v.len() == 1 {
        [1, v[0]]
    } else {
        [v[0], v[1]]
    }
}

/// The geometry of a convolution of channels-last `x` with kernel spatial size `k`.
fn conv_geometry(op: &str, inputs: &Tensor, x: &Tensor, k: &[usize], out_c: usize, groups: usize, win: &Window) -> Result<Conv2dGeometry> {
    let s = x.shape();
    let spatial = k.len();
    let (outs, pads) = windows_output(op, inputs.shape(), &s[1..1 + spatial], k, &win.strides, &win.dilation, win.padding, "kernel window")?;
    let [in_h, in_w] = as_2d(&s[1..1 + spatial]);
    let [k_h, k_w] = as_2d(k);
    let [out_h, out_w] = as_2d(&outs);
    let [stride_h, stride_w] = as_2d(&win.strides);
    let [dil_h, dil_w] = as_2d(&win.dilation);
    let [pad_top, pad_left] = if spatial == 1 { [0, pads[0]] } else { [pads[0], pads[1]] };
    Ok(Conv2dGeometry {
        batch: s[0],
        in_h,
        in_w,
        in_c: s[1 + spatial],
        out_h,
        out_w,
        out_c,
        k_h,
        k_w,
        stride_h,
        stride_w,
        dil_h,
        dil_w,
        pad_top,
        pad_left,
        groups,
    })
}

/// Convolution of channels-last `x` with a kernel whose groups are already known.
fn conv_channels_last(op: &str, inputs: &Tensor, x: &Tensor, kernel: &Tensor, groups: usize, win: &Window) -> Result<Tensor> {
    let spatial = x.rank() - 2;
    let k = &kernel.shape()[..spatial];
    let g = conv_geometry(op, inputs, x, k, kernel.shape()[spatial + 1], groups, win)?;
    let y = conv2d_nhwc(&lift_1d(x, spatial)?, &lift_1d_kernel(kernel, spatial)?, g)?;
    lower_1d(&y, spatial)
}

/// A 1-D kernel (k, in, out) as (1, k, in, out).
fn lift_1d_kernel(w: &Tensor, spatial: usize) -> Result<Tensor> {
    if spatial == 1 {
        expand_dims(w, 0)
    } else {
        Ok(w.clone())
    }
}

/// Groups of a convolution: the inputs' channels over the kernel's input channels.
fn infer_groups(op: &str, channels: usize, kernel_in: usize, out_c: usize, inputs: &[usize], kernel: &[usize]) -> Result<usize> {
    if kernel_in == 0 || !channels.is_multiple_of(kernel_in) {
        if kernel_in == 0 && channels == 0 {
            return Ok(1);
        }
        return Err(shape_err!(
            "{op}: the inputs' {channels} channels must be a multiple of the kernel's {kernel_in} input channels (kernel.shape[-2]); inputs shape {inputs:?}, kernel shape {kernel:?}"
        ));
    }
    let groups = channels / kernel_in;
    if !out_c.is_multiple_of(groups) {
        return Err(shape_err!(
            "{op}: the kernel's {out_c} output channels must be divisible by the {groups} groups ({channels} input channels / {kernel_in} per group); inputs shape {inputs:?}, kernel shape {kernel:?}"
        ));
    }
    Ok(groups)
}

/// `conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1)`:
/// 1-D for rank-3 inputs with a (k, in/groups, out) kernel, 2-D for rank-4 inputs with a
/// (kh, kw, in/groups, out) kernel; groups = in_channels / kernel.shape[-2].
pub fn conv(
    inputs: &Tensor,
    kernel: &Tensor,
    strides: &[usize],
    padding: Padding,
    data_format: DataFormat,
    dilation_rate: &[usize],
) -> Result<Tensor> {
    const OP: &str = "conv";
    let spatial = spatial_rank(OP, inputs)?;
    check_kernel_rank(OP, inputs, kernel, spatial, "spatial..., in_channels / groups, out_channels")?;
    let win = Window::parse(OP, spatial, strides, dilation_rate, padding)?;
    let x = to_channels_last(inputs, data_format)?;
    let (kin, out_c) = (kernel.shape()[spatial], kernel.shape()[spatial + 1]);
    let groups = infer_groups(OP, x.shape()[spatial + 1], kin, out_c, inputs.shape(), kernel.shape())?;
    let (x, w, _) = float_operands(&x, kernel)?;
    let y = conv_channels_last(OP, inputs, &x, &w, groups, &win)?;
    from_channels_last(&y, data_format)
}

/// `depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None,
/// dilation_rate=1)`: each input channel convolved with its own `multiplier` filters; kernel
/// (kh, kw, in, multiplier) (or (k, in, multiplier) in 1-D); output channel c * multiplier + m.
pub fn depthwise_conv(
    inputs: &Tensor,
    kernel: &Tensor,
    strides: &[usize],
    padding: Padding,
    data_format: DataFormat,
    dilation_rate: &[usize],
) -> Result<Tensor> {
    const OP: &str = "depthwise_conv";
    let spatial = spatial_rank(OP, inputs)?;
    check_kernel_rank(OP, inputs, kernel, spatial, "spatial..., in_channels, multiplier")?;
    let win = Window::parse(OP, spatial, strides, dilation_rate, padding)?;
    let x = to_channels_last(inputs, data_format)?;
    let c = x.shape()[spatial + 1];
    let (kin, mult) = (kernel.shape()[spatial], kernel.shape()[spatial + 1]);
    if kin != c {
        return Err(shape_err!(
            "{OP}: the kernel's input channels ({kin}, kernel.shape[-2]) must equal the inputs' channels ({c}); inputs shape {:?}, kernel shape {:?}",
            inputs.shape(),
            kernel.shape()
        ));
    }
    // (..., in, multiplier) -> (..., 1, in * multiplier): a grouped kernel with one input
    // channel per group, whose group c owns outputs c * multiplier .. (c + 1) * multiplier.
    let mut grouped_shape = kernel.shape()[..spatial].to_vec();
    grouped_shape.extend([1, c * mult]);
    let (x, w, _) = float_operands(&x, &reshape(kernel, &grouped_shape)?)?;
    let y = conv_channels_last(OP, inputs, &x, &w, c.max(1), &win)?;
    from_channels_last(&y, data_format)
}

/// `separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
/// data_format=None, dilation_rate=1)`: `depthwise_conv` then a 1x1 `conv` with
/// `pointwise_kernel` (1, 1, in * multiplier, out) (or (1, in * multiplier, out) in 1-D).
pub fn separable_conv(
    inputs: &Tensor,
    depthwise_kernel: &Tensor,
    pointwise_kernel: &Tensor,
    strides: &[usize],
    padding: Padding,
    data_format: DataFormat,
    dilation_rate: &[usize],
) -> Result<Tensor> {
    const OP: &str = "separable_conv";
    let spatial = spatial_rank(OP, inputs)?;
    check_kernel_rank(OP, inputs, depthwise_kernel, spatial, "spatial..., in_channels, multiplier")?;
    check_kernel_rank(OP, inputs, pointwise_kernel, spatial, "1..., in_channels * multiplier, out_channels")?;
    let dk = depthwise_kernel.shape();
    let pk = pointwise_kernel.shape();
    let mid = dk[spatial] * dk[spatial + 1];
    if pk[..spatial].iter().any(|&d| d != 1) || pk[spatial] != mid {
        return Err(shape_err!(
            "{OP}: the pointwise kernel must have shape {:?} (1x1, in_channels * multiplier = {mid} inputs), got {pk:?} with depthwise kernel {dk:?}",
            [vec![1; spatial], vec![mid, pk[spatial + 1]]].concat()
        ));
    }
    let y = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format, dilation_rate)?;
    conv(&y, pointwise_kernel, &[1], Padding::Valid, data_format, &[1])
}

/// Keras' output length of a transposed convolution along one axis.
/// Overflow is an error naming the op (huge strides or output_padding).
fn transpose_output_len(input: usize, window: usize, stride: usize, padding: Padding, output_padding: Option<usize>) -> Result<usize> {
    const OP: &str = "conv_transpose";
    let what = "the output length";
    if input == 0 {
        return Ok(0);
    }
    let scaled = |n: usize| mul_dims(n, stride, OP, what);
    match (output_padding, padding) {
        (None, Padding::Valid) => add_dims(scaled(input)?, window.saturating_sub(stride), OP, what),
        (None, Padding::Same) => scaled(input),
        (Some(op), Padding::Valid) => add_dims(add_dims(scaled(input - 1)?, window, OP, what)?, op, OP, what),
        (Some(op), Padding::Same) => add_dims(add_dims(scaled(input - 1)?, window - 2 * (window / 2), OP, what)?, op, OP, what),
    }
}

/// `conv_transpose(inputs, kernel, strides, padding="valid", output_padding=None,
/// data_format=None, dilation_rate=1)`: the gradient of `conv` with respect to its input;
/// kernel (kh, kw, out_channels, in_channels) (or (k, out, in) in 1-D). The output length per
/// axis follows Keras: without output_padding, in * stride + max(window - stride, 0) for
/// "valid" and in * stride for "same"; with it, (in - 1) * stride + window - 2 * pad +
/// output_padding, where pad is 0 ("valid") or window // 2 ("same").
pub fn conv_transpose(
    inputs: &Tensor,
    kernel: &Tensor,
    strides: &[usize],
    padding: Padding,
    output_padding: Option<&[usize]>,
    data_format: DataFormat,
    dilation_rate: &[usize],
) -> Result<Tensor> {
    const OP: &str = "conv_transpose";
    let spatial = spatial_rank(OP, inputs)?;
    check_kernel_rank(OP, inputs, kernel, spatial, "spatial..., out_channels, in_channels")?;
    let win = Window::parse(OP, spatial, strides, dilation_rate, padding)?;
    let out_pad = match output_padding {
        None => None,
        Some(p) if p.len() == 1 => Some(vec![p[0]; spatial]),
        Some(p) if p.len() == spatial => Some(p.to_vec()),
        Some(p) => return Err(value_err!("{OP}: output_padding must be None, an int or a tuple of {spatial} ints, got {p:?}")),
    };
    let x = to_channels_last(inputs, data_format)?;
    let c = x.shape()[spatial + 1];
    let (out_c, kin) = (kernel.shape()[spatial], kernel.shape()[spatial + 1]);
    if kin != c {
        return Err(shape_err!(
            "{OP}: the kernel's input channels ({kin}, kernel.shape[-1]) must equal the inputs' channels ({c}); inputs shape {:?}, kernel shape {:?}",
            inputs.shape(),
            kernel.shape()
        ));
    }
    let k = &kernel.shape()[..spatial];
    let x_spatial = &x.shape()[1..1 + spatial];
    // The output is the input of a convolution whose output has the inputs' spatial shape.
    let mut full = Vec::with_capacity(spatial);
    let mut pads = Vec::with_capacity(spatial);
    for i in 0..spatial {
        let window = effective_window(OP, k[i], win.dilation[i])?;
        let len = transpose_output_len(x_spatial[i], window, win.strides[i], padding, out_pad.as_ref().map(|p| p[i]))?;
        match window_output(len, window, win.strides[i], padding) {
            Some((o, pad)) if o == x_spatial[i] => {
                full.push(len);
                pads.push(pad);
            }
            _ => {
                return Err(shape_err!(
                    "{OP}: inputs of shape {:?} with kernel {:?}, strides {:?}, dilation_rate {:?}, padding='{}' and output_padding {} give an output of length {len} on spatial axis {i}, which a convolution would not map back to {}",
                    inputs.shape(),
                    kernel.shape(),
                    win.strides,
                    win.dilation,
                    padding.name(),
                    output_padding.map_or("None".to_string(), |p| format!("{p:?}")),
                    x_spatial[i]
                ))
            }
        }
    }
    let [in_h, in_w] = as_2d(&full);
    let [k_h, k_w] = as_2d(k);
    let [out_h, out_w] = as_2d(x_spatial);
    let [stride_h, stride_w] = as_2d(&win.strides);
    let [dil_h, dil_w] = as_2d(&win.dilation);
    let [pad_top, pad_left] = if spatial == 1 { [0, pads[0]] } else { [pads[0], pads[1]] };
    let g = Conv2dGeometry {
        batch: x.shape()[0],
        in_h,
        in_w,
        in_c: out_c,
        out_h,
        out_w,
        out_c: c,
        k_h,
        k_w,
        stride_h,
        stride_w,
        dil_h,
        dil_w,
        pad_top,
        pad_left,
        groups: 1,
    };
    let (x, w, _) = float_operands(&x, kernel)?;
    let y = conv2d_transpose_nhwc(&lift_1d(&x, spatial)?, &lift_1d_kernel(&w, spatial)?, g)?;
    from_channels_last(&lower_1d(&y, spatial)?, data_format)
}
