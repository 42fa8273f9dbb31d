//! GPU arm of the recurrent ops (`ops::recurrent`): the time loop runs here, in Rust, over
//! engine ops that have gpu kernels, so the backward pass through time is the composition of
//! those ops' rules and everything stays on the gpu.
//!
//! Per sequence: the input projection of every step is one matmul (per gate block when the
//! dropout mask is per gate), split into gate blocks and time steps as views (`split`,
//! `unstack`: their backward rules are concatenations). Per step: one `h @ U` matmul, the gate
//! activations and the state update, with Keras' gate orders (LSTM i, f, c, o; GRU z, r, h)
//! and `backend.rnn`'s masking rules (`where` keeps the states and repeats the previous output
//! on masked steps), exactly as the cpu kernels in `cpu::recurrent`.
//!
//! The sequence mask and the dropout masks are constants: cpu ones are uploaded.

use crate::device::Device;
use crate::dtype::DType;
use crate::error::Result;
use crate::ops;
use crate::ops::recurrent::{Kind, RnnActivation, RnnOptions};
use crate::ops::shape::SplitSpec;
use crate::tensor::Tensor;

/// The operands of one recurrent op, float32 and (the masks aside) tracked.
pub(crate) struct RnnOperands<'a> {
    /// [B, S, F]
    pub x: &'a Tensor,
    /// h0, then c0 for LSTM: [B, u] each.
    pub states: &'a [Tensor],
    /// [F, G*u]
    pub kernel: &'a Tensor,
    /// [u, G*u]
    pub recurrent_kernel: &'a Tensor,
    /// [G*u], or [2, 3u] for GRU with reset_after.
    pub bias: Option<&'a Tensor>,
}

fn apply(act: RnnActivation, z: &Tensor) -> Result<Tensor> {
    match act {
        RnnActivation::Linear => Ok(z.clone()),
        RnnActivation::Tanh => ops::tanh(z),
        RnnActivation::Sigmoid => ops::sigmoid(z),
        RnnActivation::Relu => ops::relu(z),
        RnnActivation::HardSigmoid => ops::hard_sigmoid(z),
    }
}

/// A constant (mask) on the gpu as `dtype`, detached (cast before the upload when on the cpu,
/// so float64 masks are fine).
fn constant_on_gpu(t: &Tensor, dtype: DType) -> Result<Tensor> {
    let t = ops::elementwise::cast_untracked(&t.detach(), dtype)?;
    if t.device().is_gpu() {
        Ok(t)
    } else {
        t.to(Device::Gpu)
    }
}

/// Dropout masks, [B, w] (one shared mask) or [G, B, w] (one per gate block).
struct GateMasks {
    masks: Vec<Tensor>,
}

impl GateMasks {
    fn new(m: Option<&Tensor>) -> Result<Option<GateMasks>> {
        let Some(m) = m else { return Ok(None) };
        let m = constant_on_gpu(m, DType::F32)?;
        let masks = if m.rank() == 3 { (0..m.shape()[0]).map(|g| m.with_layout(m.layout().select(0, g))).collect::<Result<_>>()? } else { vec![m] };
        Ok(Some(GateMasks { masks }))
    }

    fn per_gate(&self) -> bool {
        self.masks.len() > 1
    }

    /// The mask applied to gate block `g`.
    fn gate(&self, g: usize) -> &Tensor {
        if self.per_gate() {
            &self.masks[g]
        } else {
            &self.masks[0]
        }
    }
}

/// `a` (rows [.., w]) times the mask of gate `g`, broadcast over the middle axis of 3-d `a`.
fn masked(a: &Tensor, masks: Option<&GateMasks>, g: usize) -> Result<Tensor> {
    match masks {
        None => Ok(a.clone()),
        Some(m) if a.rank() == 3 => ops::multiply(a, &ops::expand_dims(m.gate(g), 1)?),
        Some(m) => ops::multiply(a, m.gate(g)),
    }
}

/// `a @ w` for gate blocks `0..blocks` of a weight ([k, G*u]) with each block's mask applied
/// to `a`, as one [.., u] tensor per block. `joint` holds the columns of those blocks (the
/// weight itself, or a view of its first blocks); `w_blocks` are the weight's blocks.
fn project(a: &Tensor, masks: Option<&GateMasks>, joint: &Tensor, w_blocks: &[Tensor], blocks: usize) -> Result<Vec<Tensor>> {
    if masks.is_some_and(|m| m.per_gate()) {
        return (0..blocks).map(|g| ops::matmul(&masked(a, masks, g)?, &w_blocks[g])).collect();
    }
    let p = ops::matmul(&masked(a, masks, 0)?, joint)?;
    if blocks == 1 {
        return Ok(vec![p]);
    }
    ops::split(&p, &SplitSpec::Sections(blocks), (a.rank() - 1) as isize)
}

/// Gate blocks of a [.., G*u] parameter as views.
fn blocks_of(t: &Tensor, gates: usize) -> Result<Vec<Tensor>> {
    if gates == 1 {
        return Ok(vec![t.clone()]);
    }
    ops::split(t, &SplitSpec::Sections(gates), (t.rank() - 1) as isize)
}

/// Runs the sequence; returns [outputs, h, (c)] like the cpu op.
pub(crate) fn run(cell: Kind, o: &RnnOperands<'_>, opts: &RnnOptions<'_>) -> Result<Vec<Tensor>> {
    let (nb, ns) = (o.x.shape()[0], o.x.shape()[1]);
    let gates = cell.gates();
    let u = o.recurrent_kernel.shape()[0];
    let dt = o.x.dtype();

    // Biases: GRU with reset_after has an input row and a recurrent row.
    let (input_bias, recurrent_bias) = match (o.bias, cell) {
        (Some(b), Kind::Gru { reset_after: true }) => {
            let mut rows = ops::unstack(b, Some(2), 0)?.into_iter();
            (rows.next(), rows.next())
        }
        (b, _) => (b.cloned(), None),
    };

    // Input projections of every step: [B, S, u] per gate block.
    let dropout = GateMasks::new(opts.dropout_mask)?;
    let w_blocks = blocks_of(o.kernel, gates)?;
    let mut xw = project(o.x, dropout.as_ref(), o.kernel, &w_blocks, gates)?;
    if let Some(b) = &input_bias {
        let bb = blocks_of(b, gates)?;
        xw = xw.iter().zip(&bb).map(|(p, b)| ops::add(p, b)).collect::<Result<_>>()?;
    }
    // [gate][step] -> [B, u] views.
    let xs: Vec<Vec<Tensor>> = xw.iter().map(|p| ops::unstack(p, Some(ns), 1)).collect::<Result<_>>()?;

    let rec_dropout = GateMasks::new(opts.recurrent_dropout_mask)?;
    let u_blocks = blocks_of(o.recurrent_kernel, gates)?;
    // The columns of U that multiply h itself (GRU without reset_after: z and r only).
    let u_joint = if cell.rec_blocks() == gates {
        o.recurrent_kernel.clone()
    } else {
        let mut parts = ops::split(o.recurrent_kernel, &SplitSpec::Indices(vec![(cell.rec_blocks() * u) as i64]), 1)?;
        parts.swap_remove(0)
    };
    let rec_bias = recurrent_bias.as_ref().map(|b| blocks_of(b, gates)).transpose()?;
    // The sequence mask as [B, S, 1] booleans (a step's slice broadcasts over the units).
    let mask = opts.mask.map(|m| ops::reshape(&constant_on_gpu(m, DType::Bool)?, &[nb, ns, 1])).transpose()?;

    let mut h = o.states[0].clone();
    let mut c = o.states.get(1).cloned();
    let zeros = super::copy::full(&[nb, u], 0.0, dt)?;
    let one = super::copy::full(&[], 1.0, dt)?;
    // The previous output of each sample: zeros before the first step, as in Keras.
    let mut last = zeros.clone();
    let mut outputs = Vec::with_capacity(if opts.return_sequences { ns } else { 0 });
    for s in 0..ns {
        let t = if opts.go_backwards { ns - 1 - s } else { s };
        let x_t = |g: usize| &xs[g][t];
        let mut rec = project(&h, rec_dropout.as_ref(), &u_joint, &u_blocks, cell.rec_blocks())?;
        if let Some(rb) = &rec_bias {
            rec = rec.iter().zip(rb).map(|(r, b)| ops::add(r, b)).collect::<Result<_>>()?;
        }
        let (ra, act) = (opts.recurrent_activation, opts.activation);
        let (h_new, c_new) = match cell {
            Kind::SimpleRnn => (apply(act, &ops::add(x_t(0), &rec[0])?)?, None),
            Kind::Lstm => {
                let i = apply(ra, &ops::add(x_t(0), &rec[0])?)?;
                let f = apply(ra, &ops::add(x_t(1), &rec[1])?)?;
                let g = apply(act, &ops::add(x_t(2), &rec[2])?)?;
                let og = apply(ra, &ops::add(x_t(3), &rec[3])?)?;
                let c_prev = c.as_ref().unwrap_or(&zeros);
                let c_new = ops::add(&ops::multiply(&f, c_prev)?, &ops::multiply(&i, &g)?)?;
                (ops::multiply(&og, &apply(act, &c_new)?)?, Some(c_new))
            }
            Kind::Gru { reset_after } => {
                let z = apply(ra, &ops::add(x_t(0), &rec[0])?)?;
                let r = apply(ra, &ops::add(x_t(1), &rec[1])?)?;
                let hterm = if reset_after {
                    ops::multiply(&r, &rec[2])?
                } else {
                    ops::matmul(&ops::multiply(&r, &masked(&h, rec_dropout.as_ref(), 2)?)?, &u_blocks[2])?
                };
                let hh = apply(act, &ops::add(x_t(2), &hterm)?)?;
                let h_new = ops::add(&ops::multiply(&z, &h)?, &ops::multiply(&ops::subtract(&one, &z)?, &hh)?)?;
                (h_new, None)
            }
        };
        match &mask {
            None => {
                h = h_new;
                c = c_new.or(c);
                last = h.clone();
            }
            Some(m) => {
                let m_t = m.with_layout(m.layout().select(1, t))?;
                last = ops::r#where(&m_t, &h_new, if opts.zero_output_for_mask { &zeros } else { &last })?;
                h = ops::r#where(&m_t, &h_new, &h)?;
                if let (Some(cn), Some(cp)) = (c_new, c.as_ref()) {
                    c = Some(ops::r#where(&m_t, &cn, cp)?);
                }
            }
        }
        if opts.return_sequences {
            outputs.push(last.clone());
        }
    }
    let y = if opts.return_sequences { ops::stack(&outputs, 1)? } else { last };
    let mut out = vec![y, h];
    out.extend(c);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use crate::autograd::{gradient, track_leaf, RecordingGuard};
    use crate::device::Device;
    use crate::ops;
    use crate::ops::recurrent::{Kind, RnnActivation, RnnOptions};
    use crate::tensor::Tensor;

    fn seq(n: usize, scale: f32, shift: usize) -> Tensor {
        Tensor::from_vec((0..n).map(|i| (((i + shift) * 37 % 101) as f32 - 50.0) * scale).collect::<Vec<f32>>(), &[n]).unwrap()
    }

    fn close(gpu: &Tensor, cpu: &Tensor, tol: f32, what: &str) {
        assert_eq!(gpu.device(), Device::Gpu, "{what}");
        let (a, b) = (gpu.to_vec::<f32>().unwrap(), cpu.to_vec::<f32>().unwrap());
        assert_eq!(a.len(), b.len());
        for (i, (x, y)) in a.iter().zip(&b).enumerate() {
            assert!((x - y).abs() <= tol * (1.0 + y.abs()), "{what} element {i}: gpu {x} vs cpu {y}");
        }
    }

    /// The three ops with a mask, go_backwards, per-gate dropout masks and non-default
    /// activations: outputs and every gradient (of a loss on all outputs) match the cpu kernels.
    #[test]
    fn recurrent_ops_match_the_cpu_kernels() {
        if !super::super::is_available() {
            eprintln!("skipped: no GPU adapter");
            return;
        }
        let (nb, ns, nf, u) = (3, 4, 3, 2);
        let mask = ops::cast(&Tensor::from_vec(vec![1i32, 1, 0, 1, 0, 1, 1, 1, 1, 1, 1, 0], &[nb, ns]).unwrap(), crate::DType::Bool).unwrap();
        for (name, g) in [("simple_rnn", 1), ("lstm", 4), ("gru_after", 3), ("gru_before", 3)] {
            let _rec = RecordingGuard::start();
            let x = ops::reshape(&seq(nb * ns * nf, 0.03, 0), &[nb, ns, nf]).unwrap();
            let h0 = ops::reshape(&seq(nb * u, 0.01, 1), &[nb, u]).unwrap();
            let c0 = ops::reshape(&seq(nb * u, 0.01, 2), &[nb, u]).unwrap();
            let k = ops::reshape(&seq(nf * g * u, 0.02, 3), &[nf, g * u]).unwrap();
            let rk = ops::reshape(&seq(u * g * u, 0.02, 4), &[u, g * u]).unwrap();
            let b = if name == "gru_after" { ops::reshape(&seq(2 * g * u, 0.01, 5), &[2, g * u]).unwrap() } else { seq(g * u, 0.01, 5) };
            // per-gate input dropout: a third of the inputs dropped, the rest scaled by 1.5
            let dm = Tensor::from_vec((0..g * nb * nf).map(|i| if i % 3 == 1 { 0.0f32 } else { 1.5 }).collect::<Vec<_>>(), &[g, nb, nf]).unwrap();
            let rdm = Tensor::full(&[nb, u], 1.25, crate::DType::F32).unwrap();
            let leaves_cpu: Vec<Tensor> = [&x, &h0, &c0, &k, &rk, &b].iter().map(|t| track_leaf(t)).collect();
            let leaves_gpu: Vec<Tensor> = leaves_cpu.iter().map(|t| track_leaf(&t.to(Device::Gpu).unwrap())).collect();
            let run = |l: &[Tensor], dev: Device| {
                let (m, dm, rdm) = (mask.to(dev).unwrap(), dm.to(dev).unwrap(), rdm.to(dev).unwrap());
                let opts = RnnOptions {
                    activation: RnnActivation::Tanh,
                    recurrent_activation: RnnActivation::HardSigmoid,
                    mask: Some(&m),
                    go_backwards: true,
                    dropout_mask: Some(&dm),
                    recurrent_dropout_mask: Some(&rdm),
                    ..RnnOptions::default()
                };
                let outs: Vec<Tensor> = match name {
                    "simple_rnn" => {
                        let (y, h) = ops::simple_rnn(&l[0], &l[1], &l[3], &l[4], Some(&l[5]), &opts).unwrap();
                        vec![y, h]
                    }
                    "lstm" => {
                        let (y, h, c) = ops::lstm(&l[0], &l[1], &l[2], &l[3], &l[4], Some(&l[5]), &opts).unwrap();
                        vec![y, h, c]
                    }
                    _ => {
                        let (y, h) = ops::gru(&l[0], &l[1], &l[3], &l[4], Some(&l[5]), name == "gru_after", &opts).unwrap();
                        vec![y, h]
                    }
                };
                let mut loss = ops::sum(&ops::square(&outs[0]).unwrap(), None, false).unwrap();
                for o in &outs[1..] {
                    loss = ops::add(&loss, &ops::sum(o, None, false).unwrap()).unwrap();
                }
                // c0 is an operand of lstm only
                let wrt: Vec<Tensor> = l.iter().enumerate().filter(|(i, _)| name == "lstm" || *i != 2).map(|(_, t)| t.clone()).collect();
                let grads = gradient(&[loss], None, &wrt, false).unwrap();
                (outs, grads)
            };
            let (oc, gc) = run(&leaves_cpu, Device::Cpu);
            let (og, gg) = run(&leaves_gpu, Device::Gpu);
            for (k, (a, b)) in og.iter().zip(&oc).enumerate() {
                close(a, b, 1e-5, &format!("{name} output {k}"));
            }
            for (k, (a, b)) in gg.iter().zip(&gc).enumerate() {
                close(a.as_ref().unwrap(), b.as_ref().unwrap(), 1e-4, &format!("{name} gradient {k}"));
            }
        }
    }
}
