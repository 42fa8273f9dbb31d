//! Arguments shared by convolution and pooling: padding mode, data format, per-axis window
//! parameters, and TensorFlow's output-size / padding arithmetic.

use crate::error::Result;
use crate::layout::{add_dims, mul_dims};
use crate::ops::shape::transpose;
use crate::tensor::Tensor;
use crate::{shape_err, value_err};

/// How a sliding window treats the borders, with TensorFlow's arithmetic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Padding {
    /// No padding: only windows that fit entirely in the input.
    #[default]
    Valid,
    /// Zero padding (ignored cells for pooling) so that out = ceil(in / stride).
    Same,
}

impl Padding {
    /// Parses Keras' padding string ("valid" or "same", any case).
    pub fn parse(s: &str, op: &str) -> Result<Padding> {
        match s.to_ascii_lowercase().as_str() {
            "valid" => Ok(Padding::Valid),
            "same" => Ok(Padding::Same),
            _ => Err(value_err!("{op}: padding must be 'valid' or 'same', got '{s}'")),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Padding::Valid => "valid",
            Padding::Same => "same",
        }
    }
}

/// Where the channel axis sits: last (NHWC, Keras' default) or second (NCHW).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum DataFormat {
    #[default]
    ChannelsLast,
    ChannelsFirst,
}

impl DataFormat {
    /// Parses Keras' data_format ("channels_last" / "channels_first"); None means channels_last.
    pub fn parse(s: Option<&str>, op: &str) -> Result<DataFormat> {
        match s.map(|s| s.to_ascii_lowercase()) {
            None => Ok(DataFormat::ChannelsLast),
            Some(s) if s == "channels_last" => Ok(DataFormat::ChannelsLast),
            Some(s) if s == "channels_first" => Ok(DataFormat::ChannelsFirst),
            Some(s) => Err(value_err!("{op}: data_format must be 'channels_last' or 'channels_first', got '{s}'")),
        }
    }
}

/// The number of spatial axes of a rank-3 (1-D) or rank-4 (2-D) input.
pub(crate) fn spatial_rank(op: &str, x: &Tensor) -> Result<usize> {
    match x.rank() {
        3 => Ok(1),
        4 => Ok(2),
        _ => Err(shape_err!(
            "{op}: inputs must have rank 3 (batch, width, channels) or rank 4 (batch, height, width, channels), got shape {:?}",
            x.shape()
        )),
    }
}

/// One value per spatial axis from an int-or-tuple argument (a single value applies to all).
pub(crate) fn per_axis(values: &[usize], spatial: usize, op: &str, name: &str) -> Result<Vec<usize>> {
    let v = match values.len() {
        1 => vec![values[0]; spatial],
        n if n == spatial => values.to_vec(),
        _ => {
            return Err(value_err!("{op}: {name} must be an int or a tuple of {spatial} ints, got {values:?}"));
        }
    };
    if v.contains(&0) {
        return Err(value_err!("{op}: {name} must be positive, got {values:?}"));
    }
    Ok(v)
}

/// The extent of a dilated window: (k - 1) * dilation + 1, or an error naming `op` when it
/// exceeds any addressable size (keeping the output-size arithmetic below overflow-free).
pub(crate) fn effective_window(op: &str, k: usize, dilation: usize) -> Result<usize> {
    if k == 0 {
        return Ok(0);
    }
    let extent = mul_dims(k - 1, dilation, op, "the dilated window")?;
    add_dims(extent, 1, op, "the dilated window")
}

/// Output length and padding before the first element of one spatial axis.
///
/// valid: out = ceil((in - window + 1) / stride), an error when the window exceeds the input;
/// same: out = ceil(in / stride), pad_total = max((out - 1) * stride + window - in, 0),
/// pad_before = pad_total / 2 (the odd cell goes after), as TensorFlow does. With `in` and
/// `window` at most MAX_SPAN, (out - 1) * stride < in keeps every sum below 2 * MAX_SPAN.
pub(crate) fn window_output(in_len: usize, window: usize, stride: usize, padding: Padding) -> Option<(usize, usize)> {
    match padding {
        Padding::Valid => {
            if window > in_len {
                None
            } else {
                Some(((in_len - window) / stride + 1, 0))
            }
        }
        Padding::Same => {
            let out = in_len.div_ceil(stride);
            if out == 0 {
                return Some((0, 0));
            }
            let total = ((out - 1) * stride + window).saturating_sub(in_len);
            Some((out, total / 2))
        }
    }
}

/// Output size and padding of each spatial axis, or an error naming the shapes when a window is
/// larger than the (padded) input.
#[allow(clippy::too_many_arguments)]
pub(crate) fn windows_output(
    op: &str,
    input_shape: &[usize],
    spatial_in: &[usize],
    window: &[usize],
    strides: &[usize],
    dilation: &[usize],
    padding: Padding,
    what: &str,
) -> Result<(Vec<usize>, Vec<usize>)> {
    let mut outs = Vec::with_capacity(spatial_in.len());
    let mut pads = Vec::with_capacity(spatial_in.len());
    for i in 0..spatial_in.len() {
        let eff = effective_window(op, window[i], dilation[i])?;
        let (o, p) = window_output(spatial_in[i], eff, strides[i], padding).ok_or_else(|| {
            shape_err!(
                "{op}: the {what} {window:?} (dilation {dilation:?}) is larger than the spatial size {spatial_in:?} of inputs of shape {input_shape:?} with padding='{}'",
                padding.name()
            )
        })?;
        outs.push(o);
        pads.push(p);
    }
    Ok((outs, pads))
}

/// Channels-first data as a channels-last view (recorded, so gradients flow back).
pub(crate) fn to_channels_last(x: &Tensor, format: DataFormat) -> Result<Tensor> {
    match format {
        DataFormat::ChannelsLast => Ok(x.clone()),
        DataFormat::ChannelsFirst => {
            let r = x.rank() as isize;
            let perm: Vec<isize> = std::iter::once(0).chain(2..r).chain(std::iter::once(1)).collect();
            transpose(x, Some(&perm))
        }
    }
}

/// The inverse of `to_channels_last`.
pub(crate) fn from_channels_last(x: &Tensor, format: DataFormat) -> Result<Tensor> {
    match format {
        DataFormat::ChannelsLast => Ok(x.clone()),
        DataFormat::ChannelsFirst => {
            let r = x.rank() as isize;
            let perm: Vec<isize> = [0, r - 1].into_iter().chain(1..r - 1).collect();
            transpose(x, Some(&perm))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_padding_matches_tensorflow() {
        // in 5, k 3, s 2: out 3, total pad (2*2 + 3 - 5) = 2, before 1.
        assert_eq!(window_output(5, 3, 2, Padding::Same), Some((3, 1)));
        // in 4, k 2, s 1: out 4, total 1, before 0 (the odd cell goes after).
        assert_eq!(window_output(4, 2, 1, Padding::Same), Some((4, 0)));
        // stride larger than the window: no padding needed.
        assert_eq!(window_output(6, 1, 3, Padding::Same), Some((2, 0)));
        assert_eq!(window_output(0, 3, 1, Padding::Same), Some((0, 0)));
    }

    #[test]
    fn valid_padding() {
        assert_eq!(window_output(28, 3, 1, Padding::Valid), Some((26, 0)));
        assert_eq!(window_output(26, 2, 2, Padding::Valid), Some((13, 0)));
        assert_eq!(window_output(7, 2, 2, Padding::Valid), Some((3, 0)));
        assert_eq!(window_output(2, 3, 1, Padding::Valid), None);
    }

    #[test]
    fn huge_dilation_is_an_error_not_an_overflow() {
        assert_eq!(effective_window("conv", 3, 2).unwrap(), 5);
        let e = effective_window("conv", 3, usize::MAX / 2).unwrap_err();
        assert!(e.to_string().starts_with("conv: the dilated window"), "{e}");
    }
}
