//! Bindings of the fused recurrent ops: simple_rnn, lstm, gru.

use lamina_core::dtype::float_of;
use lamina_core::ops::{self, RnnActivation, RnnOptions};
use lamina_core::Tensor;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;

use crate::convert::to_tensor;
use crate::errors::IntoPyResult;
use crate::tensor::PyTensor;

/// An activation argument: a name, None (linear), or a function whose `__name__` is one of
/// the supported names (lamina.activations.tanh, ...).
pub struct ActivationArg(String);

impl ActivationArg {
    fn named(name: &str) -> ActivationArg {
        ActivationArg(name.to_string())
    }
    fn parse(&self, op: &str) -> PyResult<RnnActivation> {
        RnnActivation::from_name(&self.0, op).py()
    }
}

impl<'py> FromPyObject<'py> for ActivationArg {
    fn extract_bound(obj: &Bound<'py, PyAny>) -> PyResult<Self> {
        if obj.is_none() {
            return Ok(ActivationArg::named("linear"));
        }
        if let Ok(name) = obj.extract::<String>() {
            return Ok(ActivationArg(name));
        }
        if let Ok(name) = obj.getattr("__name__").and_then(|n| n.extract::<String>()) {
            return Ok(ActivationArg(name));
        }
        Err(PyTypeError::new_err(format!("activation must be a name such as \"tanh\", None, or an activation function, got {}", obj.repr()?)))
    }
}

fn opt_tensor(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Tensor>> {
    match obj {
        Some(o) if !o.is_none() => Ok(Some(to_tensor(o)?)),
        _ => Ok(None),
    }
}

/// The given initial state, or zeros of shape [batch, units].
fn state_or_zeros(obj: Option<&Bound<'_, PyAny>>, x: &Tensor, recurrent_kernel: &Tensor) -> PyResult<Tensor> {
    if let Some(t) = opt_tensor(obj)? {
        return Ok(t);
    }
    let batch = x.shape().first().copied().unwrap_or(0);
    let units = recurrent_kernel.shape().first().copied().unwrap_or(0);
    // on the inputs' device, so a gpu sequence runs without a state argument
    Tensor::zeros(&[batch, units], float_of(x.dtype())).and_then(|z| z.to(x.device())).py()
}

struct Common {
    x: Tensor,
    kernel: Tensor,
    recurrent_kernel: Tensor,
    bias: Option<Tensor>,
    mask: Option<Tensor>,
    dropout_mask: Option<Tensor>,
    recurrent_dropout_mask: Option<Tensor>,
}

#[allow(clippy::too_many_arguments)]
fn common(
    inputs: &Bound<'_, PyAny>,
    kernel: &Bound<'_, PyAny>,
    recurrent_kernel: &Bound<'_, PyAny>,
    bias: Option<&Bound<'_, PyAny>>,
    mask: Option<&Bound<'_, PyAny>>,
    dropout_mask: Option<&Bound<'_, PyAny>>,
    recurrent_dropout_mask: Option<&Bound<'_, PyAny>>,
) -> PyResult<Common> {
    Ok(Common {
        x: to_tensor(inputs)?,
        kernel: to_tensor(kernel)?,
        recurrent_kernel: to_tensor(recurrent_kernel)?,
        bias: opt_tensor(bias)?,
        mask: opt_tensor(mask)?,
        dropout_mask: opt_tensor(dropout_mask)?,
        recurrent_dropout_mask: opt_tensor(recurrent_dropout_mask)?,
    })
}

impl Common {
    fn options(&self, activation: RnnActivation, recurrent_activation: RnnActivation, return_sequences: bool, go_backwards: bool, zero_output_for_mask: bool) -> RnnOptions<'_> {
        RnnOptions {
            activation,
            recurrent_activation,
            mask: self.mask.as_ref(),
            go_backwards,
            return_sequences,
            zero_output_for_mask,
            dropout_mask: self.dropout_mask.as_ref(),
            recurrent_dropout_mask: self.recurrent_dropout_mask.as_ref(),
        }
    }
}

/// Runs a simple (Elman) RNN over a whole sequence in one engine call:
/// `h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)`, as Keras' SimpleRNN.
///
/// Args:
///     inputs: [batch, timesteps, features].
///     initial_state: [batch, units], or None for zeros.
///     kernel: [features, units]. recurrent_kernel: [units, units]. bias: [units] or None.
///     mask: optional [batch, timesteps] bool; a False step keeps the state and repeats the
///         previous output (zeros before the first unmasked step).
///     activation: "tanh" (default), "sigmoid", "relu", "hard_sigmoid", "linear" or None.
///     return_sequences: True: outputs [batch, timesteps, units]; False: the last output.
///     go_backwards: process the sequence from its end; outputs come in that order.
///     zero_output_for_mask: masked steps output zeros instead.
///     dropout_mask: optional [batch, features] mask multiplied into every input step.
///     recurrent_dropout_mask: optional [batch, units] mask multiplied into the state before
///         the recurrent matmul.
///
/// Returns:
///     (outputs, final_state). Differentiable with respect to inputs, the initial state and
///     the weights.
#[pyfunction]
#[pyo3(signature = (inputs, initial_state, kernel, recurrent_kernel, bias=None, mask=None, activation=ActivationArg::named("tanh"), return_sequences=true, go_backwards=false, zero_output_for_mask=false, dropout_mask=None, recurrent_dropout_mask=None))]
#[pyo3(text_signature = "(inputs, initial_state, kernel, recurrent_kernel, bias=None, mask=None, activation='tanh', return_sequences=True, go_backwards=False, zero_output_for_mask=False, dropout_mask=None, recurrent_dropout_mask=None)")]
#[allow(clippy::too_many_arguments)]
fn simple_rnn(
    inputs: &Bound<'_, PyAny>,
    initial_state: Option<&Bound<'_, PyAny>>,
    kernel: &Bound<'_, PyAny>,
    recurrent_kernel: &Bound<'_, PyAny>,
    bias: Option<&Bound<'_, PyAny>>,
    mask: Option<&Bound<'_, PyAny>>,
    activation: ActivationArg,
    return_sequences: bool,
    go_backwards: bool,
    zero_output_for_mask: bool,
    dropout_mask: Option<&Bound<'_, PyAny>>,
    recurrent_dropout_mask: Option<&Bound<'_, PyAny>>,
) -> PyResult<(PyTensor, PyTensor)> {
    let c = common(inputs, kernel, recurrent_kernel, bias, mask, dropout_mask, recurrent_dropout_mask)?;
    let act = activation.parse("simple_rnn")?;
    let h0 = state_or_zeros(initial_state, &c.x, &c.recurrent_kernel)?;
    let o = c.options(act, RnnActivation::Sigmoid, return_sequences, go_backwards, zero_output_for_mask);
    let (y, h) = ops::simple_rnn(&c.x, &h0, &c.kernel, &c.recurrent_kernel, c.bias.as_ref(), &o).py()?;
    Ok((PyTensor::new(y), PyTensor::new(h)))
}

/// Runs Keras' LSTM over a whole sequence in one engine call (forward and, when recorded,
/// backpropagation through time). Gates i, f, c, o in blocks of `units` columns:
/// `c_t = f * c_{t-1} + i * activation(z_c)`, `h_t = o * activation(c_t)`.
///
/// Args:
///     inputs: [batch, timesteps, features].
///     initial_state_h, initial_state_c: [batch, units] each, or None for zeros.
///     kernel: [features, 4 * units]. recurrent_kernel: [units, 4 * units].
///     bias: [4 * units] or None.
///     mask: optional [batch, timesteps] bool; a False step keeps the states and repeats the
///         previous output (zeros before the first unmasked step).
///     activation: default "tanh". recurrent_activation: default "sigmoid". Each one of
///         "tanh", "sigmoid", "relu", "hard_sigmoid", "linear" (or None).
///     return_sequences: True: outputs [batch, timesteps, units]; False: the last output.
///     go_backwards: process the sequence from its end; outputs come in that order.
///     zero_output_for_mask: masked steps output zeros instead.
///     dropout_mask: optional [batch, features] or [4, batch, features] (one per gate) mask
///         multiplied into every input step.
///     recurrent_dropout_mask: optional [batch, units] or [4, batch, units] mask multiplied
///         into h before the recurrent matmul.
///
/// Returns:
///     (outputs, final_h, final_c).
#[pyfunction]
#[pyo3(signature = (inputs, initial_state_h, initial_state_c, kernel, recurrent_kernel, bias=None, mask=None, activation=ActivationArg::named("tanh"), recurrent_activation=ActivationArg::named("sigmoid"), return_sequences=true, go_backwards=false, zero_output_for_mask=false, dropout_mask=None, recurrent_dropout_mask=None))]
#[pyo3(text_signature = "(inputs, initial_state_h, initial_state_c, kernel, recurrent_kernel, bias=None, mask=None, activation='tanh', recurrent_activation='sigmoid', return_sequences=True, go_backwards=False, zero_output_for_mask=False, dropout_mask=None, recurrent_dropout_mask=None)")]
#[allow(clippy::too_many_arguments)]
fn lstm(
    inputs: &Bound<'_, PyAny>,
    initial_state_h: Option<&Bound<'_, PyAny>>,
    initial_state_c: Option<&Bound<'_, PyAny>>,
    kernel: &Bound<'_, PyAny>,
    recurrent_kernel: &Bound<'_, PyAny>,
    bias: Option<&Bound<'_, PyAny>>,
    mask: Option<&Bound<'_, PyAny>>,
    activation: ActivationArg,
    recurrent_activation: ActivationArg,
    return_sequences: bool,
    go_backwards: bool,
    zero_output_for_mask: bool,
    dropout_mask: Option<&Bound<'_, PyAny>>,
    recurrent_dropout_mask: Option<&Bound<'_, PyAny>>,
) -> PyResult<(PyTensor, PyTensor, PyTensor)> {
    let c = common(inputs, kernel, recurrent_kernel, bias, mask, dropout_mask, recurrent_dropout_mask)?;
    let act = activation.parse("lstm")?;
    let rec_act = recurrent_activation.parse("lstm")?;
    let h0 = state_or_zeros(initial_state_h, &c.x, &c.recurrent_kernel)?;
    let c0 = state_or_zeros(initial_state_c, &c.x, &c.recurrent_kernel)?;
    let o = c.options(act, rec_act, return_sequences, go_backwards, zero_output_for_mask);
    let (y, h, cs) = ops::lstm(&c.x, &h0, &c0, &c.kernel, &c.recurrent_kernel, c.bias.as_ref(), &o).py()?;
    Ok((PyTensor::new(y), PyTensor::new(h), PyTensor::new(cs)))
}

/// Runs Keras' GRU over a whole sequence in one engine call. Gates z, r, h in blocks of
/// `units` columns; `h_t = z * h_{t-1} + (1 - z) * hh`, where with `reset_after=True`
/// `hh = activation(x W_h + b_in_h + r * (h_{t-1} U_h + b_rec_h))` (bias [2, 3 * units]: row 0
/// input bias, row 1 recurrent bias) and with `reset_after=False`
/// `hh = activation(x W_h + (r * h_{t-1}) U_h + b_h)` (bias [3 * units]).
///
/// Args:
///     inputs: [batch, timesteps, features].
///     initial_state: [batch, units], or None for zeros.
///     kernel: [features, 3 * units]. recurrent_kernel: [units, 3 * units].
///     bias: see above, or None.
///     mask, activation, recurrent_activation, return_sequences, go_backwards,
///     zero_output_for_mask: as for `lstm`.
///     reset_after: the GRU convention (default True, Keras' default).
///     dropout_mask: optional [batch, features] or [3, batch, features].
///     recurrent_dropout_mask: optional [batch, units] or [3, batch, units].
///
/// Returns:
///     (outputs, final_state).
#[pyfunction]
#[pyo3(signature = (inputs, initial_state, kernel, recurrent_kernel, bias=None, mask=None, activation=ActivationArg::named("tanh"), recurrent_activation=ActivationArg::named("sigmoid"), reset_after=true, return_sequences=true, go_backwards=false, zero_output_for_mask=false, dropout_mask=None, recurrent_dropout_mask=None))]
#[pyo3(text_signature = "(inputs, initial_state, kernel, recurrent_kernel, bias=None, mask=None, activation='tanh', recurrent_activation='sigmoid', reset_after=True, return_sequences=True, go_backwards=False, zero_output_for_mask=False, dropout_mask=None, recurrent_dropout_mask=None)")]
#[allow(clippy::too_many_arguments)]
fn gru(
    inputs: &Bound<'_, PyAny>,
    initial_state: Option<&Bound<'_, PyAny>>,
    kernel: &Bound<'_, PyAny>,
    recurrent_kernel: &Bound<'_, PyAny>,
    bias: Option<&Bound<'_, PyAny>>,
    mask: Option<&Bound<'_, PyAny>>,
    activation: ActivationArg,
    recurrent_activation: ActivationArg,
    reset_after: bool,
    return_sequences: bool,
    go_backwards: bool,
    zero_output_for_mask: bool,
    dropout_mask: Option<&Bound<'_, PyAny>>,
    recurrent_dropout_mask: Option<&Bound<'_, PyAny>>,
) -> PyResult<(PyTensor, PyTensor)> {
    let c = common(inputs, kernel, recurrent_kernel, bias, mask, dropout_mask, recurrent_dropout_mask)?;
    let act = activation.parse("gru")?;
    let rec_act = recurrent_activation.parse("gru")?;
    let h0 = state_or_zeros(initial_state, &c.x, &c.recurrent_kernel)?;
    let o = c.options(act, rec_act, return_sequences, go_backwards, zero_output_for_mask);
    let (y, h) = ops::gru(&c.x, &h0, &c.kernel, &c.recurrent_kernel, c.bias.as_ref(), reset_after, &o).py()?;
    Ok((PyTensor::new(y), PyTensor::new(h)))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(simple_rnn, m)?)?;
    m.add_function(wrap_pyfunction!(lstm, m)?)?;
    m.add_function(wrap_pyfunction!(gru, m)?)?;
    Ok(())
}
