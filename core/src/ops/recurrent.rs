//! Recurrent layers as fused ops: `simple_rnn`, `lstm` and `gru` run a whole sequence, forward
//! and backward (backpropagation through time), in one engine call each. Weight layouts and
//! gate orders are Keras': kernel [features, G*units], recurrent_kernel [units, G*units], gate
//! blocks i, f, c, o (LSTM) and z, r, h (GRU).
//!
//! Semantics follow Keras' `backend.rnn`: a masked time step carries the states over and
//! outputs the previous output (zeros before any unmasked step, or always zeros with
//! `zero_output_for_mask`); `go_backwards` processes the sequence from its end and returns the
//! outputs in that (reversed) order. Dropout masks (constant over time, one shared mask or one
//! per gate block) are constants for autodiff.
//!
//! On the gpu the time loop runs over engine ops (`wgpu::recurrent`) and the gradients come
//! from their rules; the cpu runs the fused kernels of `cpu::recurrent`.
//!
//! Dtype rule: the op computes in the widest float dtype of its operands (inputs, states,
//! weights); integer operands count as float32. The sequence mask may be bool or numeric
//! (non-zero means "use this step").

use std::sync::Arc;

use crate::autograd::{needs_grad, record};
use crate::cpu::recurrent::cells::{GruCell, LstmCell, SimpleRnnCell};
use crate::cpu::recurrent::{self as kernels, Cell, Dims, GateMasks, Needs, RnnFloat, Saved, SeqInputs};
use crate::dtype::{float_of, promote, DType};
use crate::error::Result;
use crate::ops::elementwise::{cast, cast_untracked};
use crate::tensor::Tensor;
use crate::{dtype_err, shape_err, value_err};

/// The activations the fused recurrent ops can apply (Keras names: "tanh", "sigmoid", "relu",
/// "hard_sigmoid" (Keras 3: relu6(x + 3) / 6), "linear").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RnnActivation {
    Linear,
    Tanh,
    Sigmoid,
    Relu,
    HardSigmoid,
}

impl RnnActivation {
    pub const NAMES: [&'static str; 5] = ["tanh", "sigmoid", "relu", "hard_sigmoid", "linear"];

    pub fn from_name(name: &str, op: &str) -> Result<RnnActivation> {
        Ok(match name {
            "tanh" => RnnActivation::Tanh,
            "sigmoid" => RnnActivation::Sigmoid,
            "relu" => RnnActivation::Relu,
            "hard_sigmoid" => RnnActivation::HardSigmoid,
            "linear" | "" => RnnActivation::Linear,
            _ => {
                return Err(value_err!(
                    "{op}: unsupported activation '{name}'; the fused recurrent ops support {}",
                    Self::NAMES.join(", ")
                ))
            }
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            RnnActivation::Linear => "linear",
            RnnActivation::Tanh => "tanh",
            RnnActivation::Sigmoid => "sigmoid",
            RnnActivation::Relu => "relu",
            RnnActivation::HardSigmoid => "hard_sigmoid",
        }
    }
}

/// Options shared by the recurrent ops.
#[derive(Clone, Copy)]
pub struct RnnOptions<'a> {
    /// The output/candidate activation (Keras' `activation`, default tanh).
    pub activation: RnnActivation,
    /// The gate activation (Keras' `recurrent_activation`, default sigmoid); unused by simple_rnn.
    pub recurrent_activation: RnnActivation,
    /// [batch, timesteps]: false (or 0) skips that step for that sample.
    pub mask: Option<&'a Tensor>,
    pub go_backwards: bool,
    /// True: outputs [batch, timesteps, units]; false: only the last output [batch, units].
    pub return_sequences: bool,
    pub zero_output_for_mask: bool,
    /// [batch, features] or [gates, batch, features]: multiplied into the inputs.
    pub dropout_mask: Option<&'a Tensor>,
    /// [batch, units] or [gates, batch, units]: multiplied into the state before `@ U`.
    pub recurrent_dropout_mask: Option<&'a Tensor>,
}

impl Default for RnnOptions<'_> {
    fn default() -> Self {
        RnnOptions {
            activation: RnnActivation::Tanh,
            recurrent_activation: RnnActivation::Sigmoid,
            mask: None,
            go_backwards: false,
            return_sequences: true,
            zero_output_for_mask: false,
            dropout_mask: None,
            recurrent_dropout_mask: None,
        }
    }
}

/// The cell a recurrent op runs (also the gpu arm's, `wgpu::recurrent`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    SimpleRnn,
    Lstm,
    Gru { reset_after: bool },
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::SimpleRnn => "simple_rnn",
            Kind::Lstm => "lstm",
            Kind::Gru { .. } => "gru",
        }
    }
    pub(crate) fn gates(self) -> usize {
        match self {
            Kind::SimpleRnn => 1,
            Kind::Lstm => 4,
            Kind::Gru { .. } => 3,
        }
    }
    fn states(self) -> usize {
        if self == Kind::Lstm {
            2
        } else {
            1
        }
    }
    /// Gate blocks that share the per-step product `h @ U` (GRU without reset_after applies
    /// its h-block to `r * h` instead).
    pub(crate) fn rec_blocks(self) -> usize {
        match self {
            Kind::Gru { reset_after: false } => 2,
            k => k.gates(),
        }
    }
    /// The bias shape Keras uses for `units`.
    fn bias_shape(self, u: usize) -> Vec<usize> {
        match self {
            Kind::Gru { reset_after: true } => vec![2, 3 * u],
            k => vec![k.gates() * u],
        }
    }
}

/// `simple_rnn`: h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias) over a whole
/// sequence. Returns (outputs, final state).
pub fn simple_rnn(
    inputs: &Tensor,
    initial_state: &Tensor,
    kernel: &Tensor,
    recurrent_kernel: &Tensor,
    bias: Option<&Tensor>,
    options: &RnnOptions<'_>,
) -> Result<(Tensor, Tensor)> {
    let mut out = run(Kind::SimpleRnn, inputs, &[initial_state], kernel, recurrent_kernel, bias, options)?.into_iter();
    match (out.next(), out.next()) {
        (Some(y), Some(h)) => Ok((y, h)),
        _ => Err(value_err!("simple_rnn: internal error: missing outputs")),
    }
}

/// `lstm`: Keras' LSTM over a whole sequence (gates i, f, c, o). Returns (outputs, final h,
/// final c).
pub fn lstm(
    inputs: &Tensor,
    initial_state_h: &Tensor,
    initial_state_c: &Tensor,
    kernel: &Tensor,
    recurrent_kernel: &Tensor,
    bias: Option<&Tensor>,
    options: &RnnOptions<'_>,
) -> Result<(Tensor, Tensor, Tensor)> {
    let mut out = run(Kind::Lstm, inputs, &[initial_state_h, initial_state_c], kernel, recurrent_kernel, bias, options)?.into_iter();
    match (out.next(), out.next(), out.next()) {
        (Some(y), Some(h), Some(c)) => Ok((y, h, c)),
        _ => Err(value_err!("lstm: internal error: missing outputs")),
    }
}

/// `gru`: Keras' GRU over a whole sequence (gates z, r, h), with the reset gate applied after
/// (`reset_after`, bias [2, 3*units]) or before (bias [3*units]) the recurrent matmul. Returns
/// (outputs, final state).
pub fn gru(
    inputs: &Tensor,
    initial_state: &Tensor,
    kernel: &Tensor,
    recurrent_kernel: &Tensor,
    bias: Option<&Tensor>,
    reset_after: bool,
    options: &RnnOptions<'_>,
) -> Result<(Tensor, Tensor)> {
    let mut out = run(Kind::Gru { reset_after }, inputs, &[initial_state], kernel, recurrent_kernel, bias, options)?.into_iter();
    match (out.next(), out.next()) {
        (Some(y), Some(h)) => Ok((y, h)),
        _ => Err(value_err!("gru: internal error: missing outputs")),
    }
}

// ---------------------------------------------------------------------------------------------
// Validation

fn validate(kind: Kind, x: &Tensor, states: &[&Tensor], kernel: &Tensor, rk: &Tensor, bias: Option<&Tensor>, o: &RnnOptions<'_>) -> Result<Dims> {
    let op = kind.name();
    let g = kind.gates();
    if x.rank() != 3 {
        return Err(shape_err!("{op}: inputs must have shape [batch, timesteps, features], got shape {:?}", x.shape()));
    }
    let (nb, ns, nf) = (x.shape()[0], x.shape()[1], x.shape()[2]);
    if ns == 0 {
        return Err(shape_err!("{op}: the inputs need at least one time step, got shape {:?}", x.shape()));
    }
    let gates = if g == 1 { String::new() } else { format!("{g} * ") };
    if rk.rank() != 2 || rk.shape()[0] == 0 || rk.shape()[1] != g * rk.shape()[0] {
        return Err(shape_err!("{op}: recurrent_kernel must have shape [units, {gates}units] with units > 0, got shape {:?}", rk.shape()));
    }
    let u = rk.shape()[0];
    if kernel.shape() != [nf, g * u] {
        return Err(shape_err!(
            "{op}: kernel must have shape [features, {gates}units] = {:?} for inputs of shape {:?} and a recurrent_kernel of shape {:?}, got shape {:?}",
            [nf, g * u],
            x.shape(),
            rk.shape(),
            kernel.shape()
        ));
    }
    if let Some(b) = bias {
        let want = kind.bias_shape(u);
        if b.shape() != want.as_slice() {
            return Err(shape_err!("{op}: bias must have shape {want:?} for {u} units, got shape {:?}", b.shape()));
        }
    }
    let names: &[&str] = if states.len() == 2 { &["initial_state_h", "initial_state_c"] } else { &["initial_state"] };
    for (s, name) in states.iter().zip(names) {
        if s.shape() != [nb, u] {
            return Err(shape_err!("{op}: {name} must have shape [batch, units] = {:?}, got shape {:?}", [nb, u], s.shape()));
        }
    }
    if let Some(m) = o.mask {
        if m.shape() != [nb, ns] {
            return Err(shape_err!("{op}: mask must have shape [batch, timesteps] = {:?}, got shape {:?}", [nb, ns], m.shape()));
        }
    }
    for (m, what, width) in [(o.dropout_mask, "dropout_mask", nf), (o.recurrent_dropout_mask, "recurrent_dropout_mask", u)] {
        if let Some(m) = m {
            let ok = m.shape() == [nb, width] || m.shape() == [g, nb, width];
            if !ok {
                return Err(shape_err!("{op}: {what} must have shape {:?} or {:?}, got shape {:?}", [nb, width], [g, nb, width], m.shape()));
            }
        }
    }
    Ok(Dims { batch: nb, steps: ns, features: nf, units: u })
}

// ---------------------------------------------------------------------------------------------
// Forward and recorded backward

fn run(kind: Kind, x: &Tensor, states: &[&Tensor], kernel: &Tensor, rk: &Tensor, bias: Option<&Tensor>, o: &RnnOptions<'_>) -> Result<Vec<Tensor>> {
    let dims = validate(kind, x, states, kernel, rk, bias, o)?;
    let mut dt = promote(promote(x.dtype(), kernel.dtype()), rk.dtype());
    for s in states.iter().copied().chain(bias) {
        dt = promote(dt, s.dtype());
    }
    let dt = float_of(dt);
    let mut tensors: Vec<&Tensor> = vec![x, kernel, rk];
    tensors.extend(states.iter().copied().chain(bias));
    let gpu = crate::wgpu::any_gpu(&tensors);
    if gpu {
        crate::wgpu::kind(dt, kind.name())?;
        if let Some(t) = tensors.iter().find(|t| !t.device().is_gpu()) {
            return Err(crate::wgpu::mixed(kind.name(), crate::device::Device::Gpu, t.device()));
        }
    }
    // Tracked casts, so gradients reach operands of another dtype.
    let mut operands: Vec<Tensor> = vec![cast(x, dt)?];
    for s in states {
        operands.push(cast(s, dt)?);
    }
    operands.push(cast(kernel, dt)?);
    operands.push(cast(rk, dt)?);
    if let Some(b) = bias {
        operands.push(cast(b, dt)?);
    }
    if gpu {
        return run_gpu(kind, operands, o);
    }
    match dt {
        DType::F32 => run_typed::<f32>(kind, dims, operands, o),
        DType::F64 => run_typed::<f64>(kind, dims, operands, o),
        d => Err(dtype_err!("{}: cannot compute in {d}", kind.name())),
    }
}

/// The gpu arm: the time loop over engine ops (`wgpu::recurrent`), whose rules give the
/// gradients. `operands` as built by `run`: x, the states, kernel, recurrent_kernel, bias.
fn run_gpu(kind: Kind, operands: Vec<Tensor>, o: &RnnOptions<'_>) -> Result<Vec<Tensor>> {
    use crate::wgpu::recurrent::RnnOperands;
    let ns = kind.states();
    let spec = RnnOperands {
        x: &operands[0],
        states: &operands[1..1 + ns],
        kernel: &operands[1 + ns],
        recurrent_kernel: &operands[2 + ns],
        bias: operands.get(3 + ns),
    };
    crate::wgpu::recurrent::run(kind, &spec, o)
}

/// Everything the backward pass reads: the operands as contiguous tensors of the compute dtype.
struct Context {
    kind: Kind,
    dims: Dims,
    x: Tensor,
    h0: Tensor,
    c0: Option<Tensor>,
    kernel: Tensor,
    recurrent_kernel: Tensor,
    bias: Option<Tensor>,
    mask: Option<Vec<bool>>,
    dropout: Option<Tensor>,
    recurrent_dropout: Option<Tensor>,
    go_backwards: bool,
    return_sequences: bool,
    zero_output_for_mask: bool,
}

impl Context {
    fn inputs<T: RnnFloat>(&self) -> Result<SeqInputs<'_, T>> {
        let Dims { batch: nb, features: nf, units: u, .. } = self.dims;
        let n = self.kind.gates() * u;
        let (input_bias, recurrent_bias) = match (&self.bias, self.kind) {
            (Some(b), Kind::Gru { reset_after: true }) => {
                let b = slice_of::<T>(b)?;
                (Some(&b[..n]), Some(&b[n..]))
            }
            (Some(b), _) => (Some(slice_of::<T>(b)?), None),
            (None, _) => (None, None),
        };
        fn masks<T: RnnFloat>(m: &Option<Tensor>, rows: usize, width: usize) -> Result<Option<GateMasks<'_, T>>> {
            m.as_ref()
                .map(|m| Ok(GateMasks::new(slice_of::<T>(m)?, if m.rank() == 3 { m.shape()[0] } else { 1 }, rows, width)))
                .transpose()
        }
        Ok(SeqInputs {
            dims: self.dims,
            x: slice_of(&self.x)?,
            kernel: slice_of(&self.kernel)?,
            recurrent_kernel: slice_of(&self.recurrent_kernel)?,
            input_bias,
            recurrent_bias,
            h0: slice_of(&self.h0)?,
            c0: self.c0.as_ref().map(slice_of).transpose()?,
            mask: self.mask.as_deref(),
            go_backwards: self.go_backwards,
            return_sequences: self.return_sequences,
            zero_output_for_mask: self.zero_output_for_mask,
            dropout: masks(&self.dropout, nb, nf)?,
            recurrent_dropout: masks(&self.recurrent_dropout, nb, u)?,
        })
    }
}

/// The elements of a contiguous tensor (an empty tensor gives an empty slice whatever its
/// strides say).
fn slice_of<T: RnnFloat>(t: &Tensor) -> Result<&[T]> {
    if t.numel() == 0 {
        return Ok(&[]);
    }
    t.as_slice()
}

/// `t` untracked, in dtype T, contiguous (no copy when it already is).
fn typed<T: RnnFloat>(t: &Tensor) -> Result<Tensor> {
    cast_untracked(t, T::DTYPE)?.contiguous()
}

fn run_typed<T: RnnFloat>(kind: Kind, dims: Dims, operands: Vec<Tensor>, o: &RnnOptions<'_>) -> Result<Vec<Tensor>> {
    let ns = kind.states();
    let has_bias = operands.len() > 3 + ns;
    let mask = match o.mask {
        Some(m) => Some(cast_untracked(m, DType::Bool)?.to_vec::<u8>()?.into_iter().map(|v| v != 0).collect()),
        None => None,
    };
    let ctx = Context {
        kind,
        dims,
        x: typed::<T>(&operands[0])?,
        h0: typed::<T>(&operands[1])?,
        c0: if ns == 2 { Some(typed::<T>(&operands[2])?) } else { None },
        kernel: typed::<T>(&operands[1 + ns])?,
        recurrent_kernel: typed::<T>(&operands[2 + ns])?,
        bias: if has_bias { Some(typed::<T>(&operands[3 + ns])?) } else { None },
        mask,
        dropout: o.dropout_mask.map(typed::<T>).transpose()?,
        recurrent_dropout: o.recurrent_dropout_mask.map(typed::<T>).transpose()?,
        go_backwards: o.go_backwards,
        return_sequences: o.return_sequences,
        zero_output_for_mask: o.zero_output_for_mask,
    };
    match kind {
        Kind::SimpleRnn => with_cell::<T, _>(SimpleRnnCell { activation: o.activation }, ctx, &operands),
        Kind::Lstm => with_cell::<T, _>(LstmCell { activation: o.activation, recurrent_activation: o.recurrent_activation }, ctx, &operands),
        Kind::Gru { reset_after } => with_cell::<T, _>(
            GruCell { activation: o.activation, recurrent_activation: o.recurrent_activation, reset_after },
            ctx,
            &operands,
        ),
    }
}

fn with_cell<T: RnnFloat, C: Cell<T> + Send + 'static>(cell: C, ctx: Context, operands: &[Tensor]) -> Result<Vec<Tensor>> {
    let refs: Vec<&Tensor> = operands.iter().collect();
    let save = needs_grad(&refs);
    let Dims { batch: nb, steps: ns, units: u, .. } = ctx.dims;
    let fwd = kernels::forward(&cell, &ctx.inputs::<T>()?, save)?;
    let out_shape: Vec<usize> = if ctx.return_sequences { vec![nb, ns, u] } else { vec![nb, u] };
    let mut outputs = vec![Tensor::from_vec(fwd.outputs, &out_shape)?, Tensor::from_vec(fwd.h, &[nb, u])?];
    if let Some(c) = fwd.c {
        outputs.push(Tensor::from_vec(c, &[nb, u])?);
    }
    let Some(saved) = fwd.saved else { return Ok(outputs) };
    let op = ctx.kind.name();
    let state = Arc::new((cell, ctx, saved));
    Ok(record(op, &refs, outputs, move |grads, need| backward::<T, C>(&state, grads, need)))
}

fn backward<T: RnnFloat, C: Cell<T>>(state: &(C, Context, Saved<T>), grads: &[Tensor], need: &[bool]) -> Result<Vec<Option<Tensor>>> {
    let (cell, ctx, saved) = state;
    let Dims { batch: nb, steps: ns, features: nf, units: u } = ctx.dims;
    let kind = ctx.kind;
    let n = kind.gates() * u;
    let g: Vec<Tensor> = grads.iter().map(typed::<T>).collect::<Result<_>>()?;
    let d_c = g.get(2).map(slice_of::<T>).transpose()?;
    let nstates = kind.states();
    let wanted = |i: usize| need.get(i).copied().unwrap_or(false);
    let needs = Needs { inputs: wanted(0), weights: (1 + nstates..need.len()).any(wanted) };
    let r = kernels::backward(cell, &ctx.inputs::<T>()?, saved, slice_of(&g[0])?, slice_of(&g[1])?, d_c, needs)?;
    let pick = |i: usize, t: Result<Tensor>| -> Result<Option<Tensor>> { if need.get(i).copied().unwrap_or(false) { t.map(Some) } else { Ok(None) } };
    let mut out = vec![pick(0, Tensor::from_vec(r.dx, &[nb, ns, nf]))?, pick(1, Tensor::from_vec(r.dh0, &[nb, u]))?];
    if nstates == 2 {
        let dc0 = r.dc0.ok_or_else(|| value_err!("lstm: internal error: no carry gradient"))?;
        out.push(pick(2, Tensor::from_vec(dc0, &[nb, u]))?);
    }
    out.push(pick(1 + nstates, Tensor::from_vec(r.dkernel, &[nf, n]))?);
    out.push(pick(2 + nstates, Tensor::from_vec(r.drecurrent_kernel, &[u, n]))?);
    if ctx.bias.is_some() {
        let db = if kind == (Kind::Gru { reset_after: true }) {
            let mut v = r.dinput_bias;
            v.extend_from_slice(&r.drecurrent_bias);
            Tensor::from_vec(v, &[2, n])
        } else {
            Tensor::from_vec(r.dinput_bias, &[n])
        };
        out.push(pick(3 + nstates, db)?);
    }
    Ok(out)
}
