//! Fused recurrent layers: the whole time loop (forward and backpropagation through time) of
//! SimpleRNN, LSTM and GRU in one kernel call.
//!
//! The driver here is shared by the three cells (`cells.rs`):
//! - forward: the input projection `x @ W (+ b)` for every time step is one GEMM before the
//!   loop; each step does one `h @ U` GEMM and a fused gate kernel (the cell); masks carry the
//!   states over and repeat the previous output, as Keras' `backend.rnn` does;
//! - backward: the loop runs in reverse with one `dgates @ U^T` GEMM per step; the weight
//!   gradients dW, dU, the biases and dX are whole-sequence GEMMs / sums after the loop.
//!
//! Layouts: inputs [B, S, F] (batch-major, as Keras); kernel [F, G*u]; recurrent kernel
//! [u, G*u]; gate blocks of width u side by side. Per-step buffers are [B, width] row-major.
//! Dropout masks are constant over time and may be one per gate block (`GateMasks`).

pub mod activation;
pub mod cells;
pub mod pool;
pub mod simd;

use std::ops::Range;

use rayon::prelude::*;

use crate::cpu::matmul::{gemm, gemm_acc};
use crate::error::Result;
use crate::storage::try_vec;

pub use activation::RnnFloat;

/// Sizes of one recurrent op: batch, steps, input features, units.
#[derive(Clone, Copy, Debug)]
pub struct Dims {
    pub batch: usize,
    pub steps: usize,
    pub features: usize,
    pub units: usize,
}

/// Dropout masks of shape [groups, rows, width] where groups is 1 (one mask shared by every
/// gate block) or the number of gate blocks (Keras' `implementation=1`, one mask per gate).
/// Group g starts at `g * group_stride` (rows * width for a whole tensor; more for a view of
/// some of its rows).
#[derive(Clone, Copy)]
pub struct GateMasks<'a, T> {
    pub data: &'a [T],
    pub groups: usize,
    pub rows: usize,
    pub width: usize,
    pub group_stride: usize,
}

impl<'a, T> GateMasks<'a, T> {
    /// Masks of shape [groups, rows, width] stored contiguously.
    pub fn new(data: &'a [T], groups: usize, rows: usize, width: usize) -> Self {
        GateMasks { data, groups, rows, width, group_stride: rows * width }
    }

    /// The mask used for gate block `g`.
    pub fn group(&self, g: usize) -> &'a [T] {
        let g = if self.groups == 1 { 0 } else { g };
        &self.data[g * self.group_stride..g * self.group_stride + self.rows * self.width]
    }

    /// The masks of rows `r`.
    fn rows(&self, r: &Range<usize>) -> GateMasks<'a, T> {
        let data = if self.rows * self.width == 0 { self.data } else { &self.data[r.start * self.width..] };
        GateMasks { data, groups: self.groups, rows: r.len(), width: self.width, group_stride: self.group_stride }
    }
}

/// What one recurrent op reads.
pub struct SeqInputs<'a, T> {
    pub dims: Dims,
    /// [B, S, F]
    pub x: &'a [T],
    /// [F, G*u]
    pub kernel: &'a [T],
    /// [u, G*u]
    pub recurrent_kernel: &'a [T],
    /// [G*u], added to the input projection.
    pub input_bias: Option<&'a [T]>,
    /// [rec_blocks*u], added to the recurrent projection (GRU with reset_after).
    pub recurrent_bias: Option<&'a [T]>,
    /// [B, u]
    pub h0: &'a [T],
    /// [B, u] (LSTM's carry)
    pub c0: Option<&'a [T]>,
    /// [B, S]: false skips the step for that sample.
    pub mask: Option<&'a [bool]>,
    pub go_backwards: bool,
    /// Only the last output is produced ([B, u]) instead of the sequence ([B, S, u]).
    pub return_sequences: bool,
    /// Masked steps output zeros instead of repeating the previous output.
    pub zero_output_for_mask: bool,
    /// [groups, B, F], multiplied into the inputs.
    pub dropout: Option<GateMasks<'a, T>>,
    /// [groups, B, u], multiplied into the state before the recurrent projection.
    pub recurrent_dropout: Option<GateMasks<'a, T>>,
}

impl<'a, T> SeqInputs<'a, T> {
    /// The same problem restricted to the samples `r` of the batch.
    fn batch_rows(&self, r: &Range<usize>) -> SeqInputs<'a, T> {
        let Dims { steps: ns, features: nf, units: u, .. } = self.dims;
        SeqInputs {
            dims: Dims { batch: r.len(), ..self.dims },
            x: &self.x[r.start * ns * nf..r.end * ns * nf],
            kernel: self.kernel,
            recurrent_kernel: self.recurrent_kernel,
            input_bias: self.input_bias,
            recurrent_bias: self.recurrent_bias,
            h0: &self.h0[r.start * u..r.end * u],
            c0: self.c0.map(|c| &c[r.start * u..r.end * u]),
            mask: self.mask.map(|m| &m[r.start * ns..r.end * ns]),
            go_backwards: self.go_backwards,
            return_sequences: self.return_sequences,
            zero_output_for_mask: self.zero_output_for_mask,
            dropout: self.dropout.as_ref().map(|m| m.rows(r)),
            recurrent_dropout: self.recurrent_dropout.as_ref().map(|m| m.rows(r)),
        }
    }

    /// The time index processed at loop step `s`.
    #[inline]
    fn time_of(&self, s: usize) -> usize {
        if self.go_backwards {
            self.dims.steps - 1 - s
        } else {
            s
        }
    }

    #[inline]
    fn active(&self, b: usize, t: usize) -> bool {
        self.mask.is_none_or(|m| m[b * self.dims.steps + t])
    }
}

/// What the backward pass needs from the forward pass: one part per batch chunk.
pub struct Saved<T: RnnFloat> {
    parts: Vec<(Range<usize>, SavedChunk<T>)>,
}

/// What the backward pass of one batch chunk needs.
pub struct SavedChunk<T: RnnFloat> {
    /// [S, B, F]: the inputs in processing order.
    xt: Vec<T>,
    /// [S, B, act_width]: the cell's activated gates at each step.
    acts: Vec<T>,
    /// [S+1, B, u]: the state h before each step, then the final one.
    hs: Vec<T>,
    /// [S+1, B, u]: likewise for LSTM's carry (empty otherwise).
    cs: Vec<T>,
}

impl<T: RnnFloat> Drop for SavedChunk<T> {
    fn drop(&mut self) {
        for v in [&mut self.xt, &mut self.acts, &mut self.hs, &mut self.cs] {
            T::pool().give(std::mem::take(v));
        }
    }
}

/// A zero-filled buffer from the pool.
fn buffer<T: RnnFloat>(n: usize) -> Result<Vec<T>> {
    T::pool().take(n, T::zero())
}

/// A buffer from the pool that the caller overwrites entirely (its old values are not cleared).
fn scratch_buffer<T: RnnFloat>(n: usize) -> Result<Vec<T>> {
    T::pool().take_for_overwrite(n, T::zero())
}

pub struct SeqForward<T: RnnFloat> {
    /// [B, S, u] or, without return_sequences, [B, u].
    pub outputs: Vec<T>,
    pub h: Vec<T>,
    pub c: Option<Vec<T>>,
    pub saved: Option<Saved<T>>,
}

/// One batch chunk's forward results.
struct ChunkForward<T: RnnFloat> {
    outputs: Vec<T>,
    h: Vec<T>,
    c: Option<Vec<T>>,
    saved: Option<SavedChunk<T>>,
}

pub struct SeqGrads<T> {
    pub dx: Vec<T>,
    pub dh0: Vec<T>,
    pub dc0: Option<Vec<T>>,
    pub dkernel: Vec<T>,
    pub drecurrent_kernel: Vec<T>,
    pub dinput_bias: Vec<T>,
    pub drecurrent_bias: Vec<T>,
}

/// One forward step of a cell over the whole batch.
pub struct StepForward<'a, T> {
    pub batch: usize,
    pub units: usize,
    /// [B, G*u]: x_t @ W + input bias.
    pub xs: &'a [T],
    /// [B, rec_blocks*u]: h_prev @ U (+ recurrent bias), masked by recurrent dropout.
    pub rec: &'a [T],
    pub h_prev: &'a [T],
    pub c_prev: &'a [T],
    pub h_new: &'a mut [T],
    pub c_new: &'a mut [T],
    /// [B, act_width]: what the backward step will read.
    pub acts: &'a mut [T],
    pub recurrent_kernel: &'a [T],
    pub recurrent_dropout: Option<&'a GateMasks<'a, T>>,
    pub scratch: &'a mut [T],
}

/// One backward step of a cell over the whole batch. `dh`/`dc` are zero for masked samples.
pub struct StepBackward<'a, T> {
    pub batch: usize,
    pub units: usize,
    pub acts: &'a [T],
    pub h_prev: &'a [T],
    pub c_prev: &'a [T],
    pub dh: &'a [T],
    pub dc: &'a [T],
    /// [B, G*u]: gradient of the input projection.
    pub dxs: &'a mut [T],
    /// [B, rec_blocks*u]: gradient of the recurrent projection.
    pub drec: &'a mut [T],
    /// [B, u]: gradient reaching h_prev other than through `drec` (GRU's z * dh).
    pub dh_direct: &'a mut [T],
    /// [B, u]: gradient of c_prev (LSTM).
    pub dc_prev: &'a mut [T],
    /// [B, extra_width]: per-step values the cell keeps for `finish_backward`.
    pub extra: &'a mut [T],
    /// [G*u, u]: U transposed.
    pub recurrent_kernel_t: &'a [T],
    pub recurrent_dropout: Option<&'a GateMasks<'a, T>>,
    pub scratch: &'a mut [T],
}

/// A recurrent cell: its gate count and its fused per-step kernels.
pub trait Cell<T: RnnFloat>: Sync {
    /// Gate blocks in the kernels (1, 4 or 3).
    fn gates(&self) -> usize;
    /// Blocks of U in the shared per-step product h @ U (all gates, or GRU's z and r only).
    fn rec_blocks(&self) -> usize {
        self.gates()
    }
    fn has_carry(&self) -> bool {
        false
    }
    /// True when the gradient of the recurrent projection equals that of the input projection
    /// (SimpleRNN, LSTM): the backward step then writes only `dxs` and gets an empty `drec`.
    fn rec_grad_is_input_grad(&self) -> bool {
        false
    }
    /// Values saved per sample and step, in multiples of units.
    fn act_blocks(&self) -> usize;
    /// Extra per-sample backward values kept over all steps, in multiples of units.
    fn extra_blocks(&self) -> usize {
        0
    }
    /// Scratch the steps need, in elements.
    fn scratch_len(&self, _batch: usize, _units: usize) -> usize {
        0
    }
    fn forward_step(&self, s: StepForward<'_, T>);
    fn backward_step(&self, s: StepBackward<'_, T>);
    /// Whole-sequence work after the reverse loop (GRU without reset_after: its h-block of dU).
    fn finish_backward(&self, _dims: Dims, _acts: &[T], _extra: &[T], _drecurrent_kernel: &mut [T]) {}
}

// ---------------------------------------------------------------------------------------------
// Projections with optional per-gate dropout masks

/// out[r, g*u..(g+1)*u] = (a[r] * mask_g[row(r)]) @ w[:, g-block], for blocks g < blocks.
/// a: [rows, k]; w: [k, ldw]; out: [rows, blocks*u].
#[allow(clippy::too_many_arguments)]
fn project<T: RnnFloat>(
    a: &[T],
    rows: usize,
    k: usize,
    masks: Option<&GateMasks<'_, T>>,
    mask_row: impl Fn(usize) -> usize,
    w: &[T],
    ldw: usize,
    blocks: usize,
    u: usize,
    out: &mut [T],
) -> Result<()> {
    let n = blocks * u;
    if rows == 0 || n == 0 {
        return Ok(());
    }
    if k == 0 {
        out[..rows * n].iter_mut().for_each(|v| *v = T::zero());
        return Ok(());
    }
    match masks {
        None => gemm(rows, n, k, a, k as isize, 1, w, ldw as isize, 1, out),
        Some(m) if m.groups == 1 => {
            let am = masked_rows(a, rows, k, m.group(0), &mask_row)?;
            gemm(rows, n, k, &am, k as isize, 1, w, ldw as isize, 1, out);
        }
        Some(m) => {
            let mut tmp = try_vec(rows * u, T::zero())?;
            for g in 0..blocks {
                let am = masked_rows(a, rows, k, m.group(g), &mask_row)?;
                gemm(rows, u, k, &am, k as isize, 1, &w[g * u..], ldw as isize, 1, &mut tmp);
                copy_block(&tmp, u, out, n, g * u, rows, u);
            }
        }
    }
    Ok(())
}

/// da[r] += sum_g (dout[r, g-block] @ wt[g-block, :]) * mask_g[row(r)].
/// dout: [rows, ldo]; wt: [blocks*u (at least), k] (w transposed); da: [rows, k].
#[allow(clippy::too_many_arguments)]
fn project_back_input<T: RnnFloat>(
    dout: &[T],
    ldo: usize,
    rows: usize,
    k: usize,
    masks: Option<&GateMasks<'_, T>>,
    mask_row: impl Fn(usize) -> usize,
    wt: &[T],
    blocks: usize,
    u: usize,
    da: &mut [T],
    tmp: &mut [T],
) {
    if rows == 0 || k == 0 || blocks * u == 0 {
        return;
    }
    let Some(m) = masks else {
        gemm_acc(rows, k, blocks * u, dout, ldo as isize, 1, wt, k as isize, 1, &mut da[..rows * k]);
        return;
    };
    let tmp = &mut tmp[..rows * k];
    let per_gate = m.groups > 1;
    let passes = if per_gate { blocks } else { 1 };
    for g in 0..passes {
        let (col0, width) = if per_gate { (g * u, u) } else { (0, blocks * u) };
        gemm(rows, k, width, &dout[col0..], ldo as isize, 1, &wt[col0 * k..], k as isize, 1, tmp);
        let mg = m.group(g);
        for r in 0..rows {
            let mr = &mg[mask_row(r) * k..(mask_row(r) + 1) * k];
            let (dr, tr) = (&mut da[r * k..(r + 1) * k], &tmp[r * k..(r + 1) * k]);
            for ((d, &v), &mv) in dr.iter_mut().zip(tr).zip(mr) {
                *d = *d + v * mv;
            }
        }
    }
}

/// dw[:, g-block] = (a * mask_g)^T @ dout[:, g-block] for blocks g < blocks.
/// a: [rows, k]; dout: [rows, ldo]; dw: [k, ldw] (only the first blocks*u columns written).
#[allow(clippy::too_many_arguments)]
fn project_back_weight<T: RnnFloat>(
    a: &[T],
    rows: usize,
    k: usize,
    masks: Option<&GateMasks<'_, T>>,
    mask_row: impl Fn(usize) -> usize,
    dout: &[T],
    ldo: usize,
    blocks: usize,
    u: usize,
    dw: &mut [T],
    ldw: usize,
) -> Result<()> {
    if rows == 0 || k == 0 || blocks * u == 0 {
        return Ok(());
    }
    let groups = masks.map_or(1, |m| m.groups);
    let per_gate = groups > 1;
    let passes = if per_gate { blocks } else { 1 };
    let width = if per_gate { u } else { blocks * u };
    let mut tmp = if width == ldw { Vec::new() } else { try_vec(k * width, T::zero())? };
    for g in 0..passes {
        let col0 = if per_gate { g * u } else { 0 };
        let masked;
        let am: &[T] = match masks {
            None => a,
            Some(m) => {
                masked = masked_rows(a, rows, k, m.group(g), &mask_row)?;
                &masked
            }
        };
        if width == ldw {
            gemm(k, width, rows, am, 1, k as isize, &dout[col0..], ldo as isize, 1, dw);
        } else {
            gemm(k, width, rows, am, 1, k as isize, &dout[col0..], ldo as isize, 1, &mut tmp);
            copy_block(&tmp, width, dw, ldw, col0, k, width);
        }
    }
    Ok(())
}

/// a[r] * mask[row(r)] for every row, as a new [rows, k] buffer.
fn masked_rows<T: RnnFloat>(a: &[T], rows: usize, k: usize, mask: &[T], mask_row: &impl Fn(usize) -> usize) -> Result<Vec<T>> {
    let mut out = try_vec(rows * k, T::zero())?;
    for r in 0..rows {
        let mr = &mask[mask_row(r) * k..(mask_row(r) + 1) * k];
        for ((o, &x), &m) in out[r * k..(r + 1) * k].iter_mut().zip(&a[r * k..(r + 1) * k]).zip(mr) {
            *o = x * m;
        }
    }
    Ok(out)
}

/// Copies a [rows, width] block (row stride `lds`) into columns col0.. of `dst` (row stride `ldd`).
fn copy_block<T: Copy>(src: &[T], lds: usize, dst: &mut [T], ldd: usize, col0: usize, rows: usize, width: usize) {
    for r in 0..rows {
        dst[r * ldd + col0..r * ldd + col0 + width].copy_from_slice(&src[r * lds..r * lds + width]);
    }
}

/// Adds `bias` to every row of a [rows, bias.len()] buffer.
fn add_rows<T: RnnFloat>(buf: &mut [T], bias: &[T]) {
    if bias.is_empty() {
        return;
    }
    for row in buf.chunks_exact_mut(bias.len()) {
        row.iter_mut().zip(bias).for_each(|(v, &b)| *v = *v + b);
    }
}

/// Column sums of a [rows, n] buffer.
fn column_sums<T: RnnFloat>(buf: &[T], n: usize) -> Result<Vec<T>> {
    let mut out = try_vec(n, T::zero())?;
    if n == 0 {
        return Ok(out);
    }
    for row in buf.chunks_exact(n) {
        out.iter_mut().zip(row).for_each(|(o, &v)| *o = *o + v);
    }
    Ok(out)
}

/// [rows, cols] -> [cols, rows].
fn transpose<T: RnnFloat>(m: &[T], rows: usize, cols: usize) -> Result<Vec<T>> {
    let mut out = try_vec(rows * cols, T::zero())?;
    for r in 0..rows {
        for c in 0..cols {
            out[c * rows + r] = m[r * cols + c];
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// The time loop

/// The inputs in processing order: [S, B, F] with row (s, b) = x[b, time_of(s)].
fn time_major<T: RnnFloat>(inp: &SeqInputs<'_, T>) -> Result<Vec<T>> {
    let Dims { batch: nb, steps: ns, features: nf, .. } = inp.dims;
    let mut xt = scratch_buffer(ns * nb * nf)?;
    if nf == 0 || nb == 0 {
        return Ok(xt);
    }
    for (s, block) in xt.chunks_exact_mut(nb * nf).enumerate() {
        let t = inp.time_of(s);
        for (b, row) in block.chunks_exact_mut(nf).enumerate() {
            row.copy_from_slice(&inp.x[(b * ns + t) * nf..(b * ns + t + 1) * nf]);
        }
    }
    Ok(xt)
}

/// Samples per chunk below which splitting the batch over threads does not pay.
const MIN_CHUNK_BATCH: usize = 8;
/// Multiply-adds of the recurrent GEMMs (steps * batch * units * gates * units) from which the
/// batch is split over threads.
const PARALLEL_MIN_RECURRENT_MACS: usize = 1 << 21;

/// The batch chunks the sequence runs in: the samples' recurrences are independent, so each
/// thread runs the whole time loop for its own samples, with no synchronization per step.
fn batch_chunks<C: Cell<T>, T: RnnFloat>(cell: &C, dims: Dims) -> Vec<Range<usize>> {
    let Dims { batch: nb, steps: ns, units: u, .. } = dims;
    let work = ns.saturating_mul(nb).saturating_mul(u).saturating_mul(cell.gates() * u);
    let threads = rayon::current_num_threads().max(1);
    let parts = if work >= PARALLEL_MIN_RECURRENT_MACS { threads.min(nb / MIN_CHUNK_BATCH).max(1) } else { 1 };
    #[cfg(test)]
    let parts = match tests::FORCE_CHUNKS.with(|f| f.get()) {
        0 => parts,
        forced => forced.min(nb.max(1)),
    };
    (0..parts).map(|p| nb * p / parts..nb * (p + 1) / parts).collect()
}

/// Runs the sequence forward. With `save`, keeps what `backward` needs.
pub fn forward<T: RnnFloat, C: Cell<T>>(cell: &C, inp: &SeqInputs<'_, T>, save: bool) -> Result<SeqForward<T>> {
    let chunks = batch_chunks(cell, inp.dims);
    if chunks.len() == 1 {
        let f = forward_chunk(cell, inp, save)?;
        let saved = f.saved.map(|s| Saved { parts: vec![(0..inp.dims.batch, s)] });
        return Ok(SeqForward { outputs: f.outputs, h: f.h, c: f.c, saved });
    }
    let parts: Vec<ChunkForward<T>> = chunks.par_iter().map(|r| forward_chunk(cell, &inp.batch_rows(r), save)).collect::<Result<_>>()?;
    // Chunks are runs of whole samples: their outputs and states concatenate.
    let mut outputs = Vec::new();
    let mut h = Vec::new();
    let mut c = cell.has_carry().then(Vec::new);
    let mut saved = Vec::new();
    for (r, p) in chunks.into_iter().zip(parts) {
        outputs.extend_from_slice(&p.outputs);
        h.extend_from_slice(&p.h);
        if let (Some(c), Some(pc)) = (c.as_mut(), p.c.as_ref()) {
            c.extend_from_slice(pc);
        }
        if let Some(s) = p.saved {
            saved.push((r, s));
        }
    }
    Ok(SeqForward { outputs, h, c, saved: save.then_some(Saved { parts: saved }) })
}

fn forward_chunk<T: RnnFloat, C: Cell<T>>(cell: &C, inp: &SeqInputs<'_, T>, save: bool) -> Result<ChunkForward<T>> {
    let Dims { batch: nb, steps: ns, features: nf, units: u } = inp.dims;
    let n = cell.gates() * u;
    let nr = cell.rec_blocks() * u;
    let na = cell.act_blocks() * u;
    let carry = cell.has_carry();

    // Input projections of every step at once, rows in processing order (step, batch), so each
    // step reads one contiguous block.
    let xt = time_major(inp)?;
    let mut xw = scratch_buffer(ns * nb * n)?;
    project(&xt, ns * nb, nf, inp.dropout.as_ref(), |r| r % nb.max(1), inp.kernel, n, cell.gates(), u, &mut xw)?;
    if let Some(b) = inp.input_bias {
        add_rows(&mut xw, b);
    }

    let mut h = inp.h0.to_vec();
    let mut c = if carry { inp.c0.map_or_else(|| try_vec(nb * u, T::zero()), |c| Ok(c.to_vec()))? } else { Vec::new() };
    let out_len = if inp.return_sequences { nb * ns * u } else { nb * u };
    let mut outputs = try_vec(out_len, T::zero())?;
    // The previous output of each sample (zeros before the first step, as in Keras).
    let mut last = try_vec(nb * u, T::zero())?;

    let mut rec = try_vec(nb * nr, T::zero())?;
    let mut h_new = try_vec(nb * u, T::zero())?;
    let mut c_new = try_vec(if carry { nb * u } else { 0 }, T::zero())?;
    let mut scratch = try_vec(cell.scratch_len(nb, u), T::zero())?;
    let (mut acts, mut hs, mut cs) = if save {
        // Every step writes its rows of these.
        (scratch_buffer(ns * nb * na)?, scratch_buffer((ns + 1) * nb * u)?, scratch_buffer(if carry { (ns + 1) * nb * u } else { 0 })?)
    } else {
        (try_vec(nb * na, T::zero())?, Vec::new(), Vec::new())
    };

    for s in 0..if nb == 0 { 0 } else { ns } {
        let t = inp.time_of(s);
        project(&h, nb, u, inp.recurrent_dropout.as_ref(), |r| r, inp.recurrent_kernel, n, cell.rec_blocks(), u, &mut rec)?;
        if let Some(b) = inp.recurrent_bias {
            add_rows(&mut rec, b);
        }
        if save {
            hs[s * nb * u..(s + 1) * nb * u].copy_from_slice(&h);
            if carry {
                cs[s * nb * u..(s + 1) * nb * u].copy_from_slice(&c);
            }
        }
        let acts_s = if save { &mut acts[s * nb * na..(s + 1) * nb * na] } else { &mut acts[..] };
        cell.forward_step(StepForward {
            batch: nb,
            units: u,
            xs: &xw[s * nb * n..(s + 1) * nb * n],
            rec: &rec,
            h_prev: &h,
            c_prev: &c,
            h_new: &mut h_new,
            c_new: &mut c_new,
            acts: acts_s,
            recurrent_kernel: inp.recurrent_kernel,
            recurrent_dropout: inp.recurrent_dropout.as_ref(),
            scratch: &mut scratch,
        });
        if inp.mask.is_none() {
            std::mem::swap(&mut h, &mut h_new);
            if carry {
                std::mem::swap(&mut c, &mut c_new);
            }
            last.copy_from_slice(&h);
        } else {
            for b in 0..nb {
                let row = b * u..(b + 1) * u;
                if inp.active(b, t) {
                    h[row.clone()].copy_from_slice(&h_new[row.clone()]);
                    if carry {
                        c[row.clone()].copy_from_slice(&c_new[row.clone()]);
                    }
                    last[row.clone()].copy_from_slice(&h_new[row]);
                } else if inp.zero_output_for_mask {
                    last[row].iter_mut().for_each(|v| *v = T::zero());
                }
            }
        }
        if inp.return_sequences {
            for b in 0..nb {
                let o = (b * ns + s) * u;
                outputs[o..o + u].copy_from_slice(&last[b * u..(b + 1) * u]);
            }
        }
    }
    if !inp.return_sequences {
        outputs.copy_from_slice(&last);
    }
    T::pool().give(xw);
    let saved = if save {
        hs[ns * nb * u..].copy_from_slice(&h);
        if carry {
            cs[ns * nb * u..].copy_from_slice(&c);
        }
        Some(SavedChunk { xt, acts, hs, cs })
    } else {
        T::pool().give(xt);
        T::pool().give(acts);
        None
    };
    Ok(ChunkForward { outputs, h, c: carry.then_some(c), saved })
}

/// Which gradients the caller wants (the others are not computed).
#[derive(Clone, Copy, Debug)]
pub struct Needs {
    pub inputs: bool,
    pub weights: bool,
}

/// Backpropagation through time. `d_outputs` has the shape of the forward's outputs; `d_h` and
/// `d_c` are the gradients of the final states. Gradients not in `needs` come back empty.
pub fn backward<T: RnnFloat, C: Cell<T>>(
    cell: &C,
    inp: &SeqInputs<'_, T>,
    saved: &Saved<T>,
    d_outputs: &[T],
    d_h: &[T],
    d_c: Option<&[T]>,
    needs: Needs,
) -> Result<SeqGrads<T>> {
    let Dims { steps: ns, units: u, .. } = inp.dims;
    let per_sample = if inp.return_sequences { ns * u } else { u };
    let run = |(r, part): &(Range<usize>, SavedChunk<T>)| {
        let dc = d_c.map(|d| &d[r.start * u..r.end * u]);
        let dy = &d_outputs[r.start * per_sample..r.end * per_sample];
        backward_chunk(cell, &inp.batch_rows(r), part, dy, &d_h[r.start * u..r.end * u], dc, needs)
    };
    if let [one] = saved.parts.as_slice() {
        return run(one);
    }
    let parts: Vec<SeqGrads<T>> = saved.parts.par_iter().map(run).collect::<Result<_>>()?;
    // Per-sample gradients concatenate; the weights' gradients add up.
    let mut it = parts.into_iter();
    let Some(mut total) = it.next() else { return backward_chunk_empty(cell, inp, needs) };
    for p in it {
        total.dx.extend_from_slice(&p.dx);
        total.dh0.extend_from_slice(&p.dh0);
        if let (Some(a), Some(b)) = (total.dc0.as_mut(), p.dc0.as_ref()) {
            a.extend_from_slice(b);
        }
        for (a, b) in [(&mut total.dkernel, &p.dkernel), (&mut total.drecurrent_kernel, &p.drecurrent_kernel), (&mut total.dinput_bias, &p.dinput_bias), (&mut total.drecurrent_bias, &p.drecurrent_bias)] {
            a.iter_mut().zip(b).for_each(|(x, &y)| *x = *x + y);
        }
    }
    Ok(total)
}

/// Gradients of a problem with no batch chunks at all (cannot happen; kept total).
fn backward_chunk_empty<T: RnnFloat, C: Cell<T>>(cell: &C, inp: &SeqInputs<'_, T>, needs: Needs) -> Result<SeqGrads<T>> {
    let Dims { features: nf, units: u, .. } = inp.dims;
    let n = cell.gates() * u;
    let w = |len: usize| if needs.weights { try_vec(len, T::zero()) } else { Ok(Vec::new()) };
    Ok(SeqGrads {
        dx: Vec::new(),
        dh0: Vec::new(),
        dc0: cell.has_carry().then(Vec::new),
        dkernel: w(nf * n)?,
        drecurrent_kernel: w(u * n)?,
        dinput_bias: w(n)?,
        drecurrent_bias: w(if cell.rec_grad_is_input_grad() { 0 } else { cell.rec_blocks() * u })?,
    })
}

fn backward_chunk<T: RnnFloat, C: Cell<T>>(
    cell: &C,
    inp: &SeqInputs<'_, T>,
    saved: &SavedChunk<T>,
    d_outputs: &[T],
    d_h: &[T],
    d_c: Option<&[T]>,
    needs: Needs,
) -> Result<SeqGrads<T>> {
    let Dims { batch: nb, steps: ns, features: nf, units: u } = inp.dims;
    let g = cell.gates();
    let n = g * u;
    let nr = cell.rec_blocks() * u;
    let na = cell.act_blocks() * u;
    let ne = cell.extra_blocks() * u;
    let carry = cell.has_carry();
    // SimpleRNN and LSTM: the gradient of the recurrent projection is that of the input one.
    let shared = cell.rec_grad_is_input_grad();

    let ut = transpose(inp.recurrent_kernel, u, n)?;
    let mut dh = d_h.to_vec();
    let mut dc = match d_c {
        Some(d) if carry => d.to_vec(),
        _ => try_vec(if carry { nb * u } else { 0 }, T::zero())?,
    };
    // Gradient reaching the previous output through masked steps that repeated it.
    let mut d_last = try_vec(nb * u, T::zero())?;
    // Rows in processing order (step, batch), like the forward's projections.
    // Every backward step writes its rows of these (zeros for masked samples).
    let mut dxw = scratch_buffer(ns * nb * n)?;
    let mut drec_all = scratch_buffer(if shared { 0 } else { ns * nb * nr })?;
    let mut extra_all = scratch_buffer(ns * nb * ne)?;

    let mut dh_step = try_vec(nb * u, T::zero())?;
    let mut dc_step = try_vec(if carry { nb * u } else { 0 }, T::zero())?;
    let mut dh_prev = try_vec(nb * u, T::zero())?;
    let mut dc_prev = try_vec(if carry { nb * u } else { 0 }, T::zero())?;
    let mut tmp = try_vec(nb * u, T::zero())?;
    let mut scratch = try_vec(cell.scratch_len(nb, u), T::zero())?;
    let empty: [T; 0] = [];

    for s in (0..if nb == 0 { 0 } else { ns }).rev() {
        let t = inp.time_of(s);
        for b in 0..nb {
            let row = b * u..(b + 1) * u;
            let dy: &[T] = if inp.return_sequences {
                &d_outputs[(b * ns + s) * u..(b * ns + s + 1) * u]
            } else if s == ns - 1 {
                &d_outputs[row.clone()]
            } else {
                &empty
            };
            let dl = &mut d_last[row.clone()];
            dl.iter_mut().zip(dy).for_each(|(l, &v)| *l = *l + v);
            if inp.active(b, t) {
                for ((o, &a), l) in dh_step[row.clone()].iter_mut().zip(&dh[row.clone()]).zip(dl.iter_mut()) {
                    *o = a + *l;
                    *l = T::zero();
                }
                if carry {
                    dc_step[row.clone()].copy_from_slice(&dc[row.clone()]);
                }
            } else {
                dh_step[row.clone()].iter_mut().for_each(|v| *v = T::zero());
                if carry {
                    dc_step[row.clone()].iter_mut().for_each(|v| *v = T::zero());
                }
                if inp.zero_output_for_mask {
                    dl.iter_mut().for_each(|v| *v = T::zero());
                }
            }
        }
        let hp = &saved.hs[s * nb * u..(s + 1) * nb * u];
        let cp: &[T] = if carry { &saved.cs[s * nb * u..(s + 1) * nb * u] } else { &empty };
        dh_prev.iter_mut().for_each(|v| *v = T::zero());
        let drec_s: &mut [T] = if shared { &mut [] } else { &mut drec_all[s * nb * nr..(s + 1) * nb * nr] };
        cell.backward_step(StepBackward {
            batch: nb,
            units: u,
            acts: &saved.acts[s * nb * na..(s + 1) * nb * na],
            h_prev: hp,
            c_prev: cp,
            dh: &dh_step,
            dc: &dc_step,
            dxs: &mut dxw[s * nb * n..(s + 1) * nb * n],
            drec: drec_s,
            dh_direct: &mut dh_prev,
            dc_prev: &mut dc_prev,
            extra: &mut extra_all[s * nb * ne..(s + 1) * nb * ne],
            recurrent_kernel_t: &ut,
            recurrent_dropout: inp.recurrent_dropout.as_ref(),
            scratch: &mut scratch,
        });
        let (drec, ldr) = if shared { (&dxw[s * nb * n..(s + 1) * nb * n], n) } else { (&drec_all[s * nb * nr..(s + 1) * nb * nr], nr) };
        project_back_input(drec, ldr, nb, u, inp.recurrent_dropout.as_ref(), |r| r, &ut, cell.rec_blocks(), u, &mut dh_prev, &mut tmp);
        // Masked samples pass their state gradients straight through.
        if inp.mask.is_some() {
            for b in 0..nb {
                if !inp.active(b, t) {
                    let row = b * u..(b + 1) * u;
                    dh_prev[row.clone()].iter_mut().zip(&dh[row.clone()]).for_each(|(p, &d)| *p = *p + d);
                    if carry {
                        dc_prev[row.clone()].iter_mut().zip(&dc[row]).for_each(|(p, &d)| *p = *p + d);
                    }
                }
            }
        }
        std::mem::swap(&mut dh, &mut dh_prev);
        if carry {
            std::mem::swap(&mut dc, &mut dc_prev);
        }
    }

    let (drec_view, ldr): (&[T], usize) = if shared { (&dxw, n) } else { (&drec_all, nr) };
    let mut grads = SeqGrads {
        dx: Vec::new(),
        dh0: dh,
        dc0: carry.then_some(dc),
        dkernel: Vec::new(),
        drecurrent_kernel: Vec::new(),
        dinput_bias: Vec::new(),
        drecurrent_bias: Vec::new(),
    };
    // Whole-sequence gradients of the weights and inputs.
    if needs.weights {
        grads.dinput_bias = column_sums(&dxw, n)?;
        if !shared {
            grads.drecurrent_bias = column_sums(drec_view, nr)?;
        }
        grads.dkernel = try_vec(nf * n, T::zero())?;
        project_back_weight(&saved.xt, ns * nb, nf, inp.dropout.as_ref(), |r| r % nb.max(1), &dxw, n, g, u, &mut grads.dkernel, n)?;
        grads.drecurrent_kernel = try_vec(u * n, T::zero())?;
        let hprev_all = &saved.hs[..ns * nb * u];
        project_back_weight(hprev_all, ns * nb, u, inp.recurrent_dropout.as_ref(), |r| r % nb.max(1), drec_view, ldr, cell.rec_blocks(), u, &mut grads.drecurrent_kernel, n)?;
        cell.finish_backward(inp.dims, &saved.acts, &extra_all, &mut grads.drecurrent_kernel);
    }
    if needs.inputs {
        let kt = transpose(inp.kernel, nf, n)?;
        let mut dxt = buffer(ns * nb * nf)?;
        let mut tmp = scratch_buffer(if inp.dropout.is_some() { ns * nb * nf } else { 0 })?;
        project_back_input(&dxw, n, ns * nb, nf, inp.dropout.as_ref(), |r| r % nb.max(1), &kt, g, u, &mut dxt, &mut tmp);
        // Back to [B, S, F] in time order.
        grads.dx = try_vec(nb * ns * nf, T::zero())?;
        if nf > 0 {
            for s in 0..ns {
                let t = inp.time_of(s);
                for b in 0..nb {
                    grads.dx[(b * ns + t) * nf..(b * ns + t + 1) * nf].copy_from_slice(&dxt[(s * nb + b) * nf..(s * nb + b + 1) * nf]);
                }
            }
        }
        T::pool().give(dxt);
        T::pool().give(tmp);
    }
    T::pool().give(dxw);
    T::pool().give(drec_all);
    T::pool().give(extra_all);
    Ok(grads)
}

#[cfg(test)]
mod tests {
    use super::cells::{GruCell, LstmCell, SimpleRnnCell};
    use super::*;
    use crate::ops::recurrent::RnnActivation;

    struct Case {
        dims: Dims,
        x: Vec<f64>,
        kernel: Vec<f64>,
        rk: Vec<f64>,
        bias: Vec<f64>,
        h0: Vec<f64>,
        c0: Vec<f64>,
        mask: Vec<bool>,
    }

    fn case(gates: usize) -> Case {
        let dims = Dims { batch: 2, steps: 4, features: 3, units: 2 };
        let Dims { batch: b, steps: s, features: f, units: u } = dims;
        let v = |n: usize, k: usize| (0..n).map(|i| (((i * 7 + k * 13) % 17) as f64 / 17.0 - 0.5) * 0.8).collect::<Vec<_>>();
        Case {
            dims,
            x: v(b * s * f, 1),
            kernel: v(f * gates * u, 2),
            rk: v(u * gates * u, 3),
            bias: v(2 * gates * u, 4),
            h0: v(b * u, 5),
            c0: v(b * u, 6),
            mask: vec![true, false, true, true, false, true, true, false],
        }
    }

    fn inputs<'a>(c: &'a Case, reset_after: bool, go_backwards: bool, n: usize) -> SeqInputs<'a, f64> {
        SeqInputs {
            dims: c.dims,
            x: &c.x,
            kernel: &c.kernel,
            recurrent_kernel: &c.rk,
            input_bias: Some(&c.bias[..n]),
            recurrent_bias: if reset_after { Some(&c.bias[n..]) } else { None },
            h0: &c.h0,
            c0: Some(&c.c0),
            mask: Some(&c.mask),
            go_backwards,
            return_sequences: true,
            zero_output_for_mask: false,
            dropout: None,
            recurrent_dropout: None,
        }
    }

    /// loss = sum(outputs * w) + sum(h * w'), and its analytic gradient wrt x and the kernels
    /// against central differences.
    fn check<C: Cell<f64>>(cell: &C, gates: usize, reset_after: bool, go_backwards: bool) {
        let c = case(gates);
        let n = gates * c.dims.units;
        let loss = |c: &Case| {
            let f = forward(cell, &inputs(c, reset_after, go_backwards, n), false).unwrap();
            let a: f64 = f.outputs.iter().enumerate().map(|(i, v)| v * (1.0 + (i % 5) as f64 * 0.1)).sum();
            a + f.h.iter().sum::<f64>() * 0.7
        };
        let f = forward(cell, &inputs(&c, reset_after, go_backwards, n), true).unwrap();
        let dy: Vec<f64> = (0..f.outputs.len()).map(|i| 1.0 + (i % 5) as f64 * 0.1).collect();
        let dh = vec![0.7; f.h.len()];
        let g = backward(cell, &inputs(&c, reset_after, go_backwards, n), f.saved.as_ref().unwrap(), &dy, &dh, None, Needs { inputs: true, weights: true })
            .unwrap();
        let eps = 1e-6;
        let numeric = |field: fn(&mut Case) -> &mut Vec<f64>, i: usize| {
            let (mut p, mut m) = (case(gates), case(gates));
            field(&mut p)[i] += eps;
            field(&mut m)[i] -= eps;
            (loss(&p) - loss(&m)) / (2.0 * eps)
        };
        let close = |a: f64, b: f64, what: &str| assert!((a - b).abs() <= 1e-6 + 1e-5 * b.abs(), "{what}: analytic {a} vs numeric {b}");
        for i in 0..c.x.len() {
            close(g.dx[i], numeric(|c| &mut c.x, i), "dx");
        }
        for i in 0..c.kernel.len() {
            close(g.dkernel[i], numeric(|c| &mut c.kernel, i), "dkernel");
        }
        for i in 0..c.rk.len() {
            close(g.drecurrent_kernel[i], numeric(|c| &mut c.rk, i), "drecurrent_kernel");
        }
        for i in 0..c.h0.len() {
            close(g.dh0[i], numeric(|c| &mut c.h0, i), "dh0");
        }
        for i in 0..n {
            close(g.dinput_bias[i], numeric(|c| &mut c.bias, i), "dinput_bias");
        }
    }

    thread_local! {
        /// Batch chunks to split into regardless of size (0: the automatic choice).
        pub(super) static FORCE_CHUNKS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }

    #[test]
    fn bptt_matches_finite_differences() {
        let (t, s) = (RnnActivation::Tanh, RnnActivation::Sigmoid);
        // One chunk, then the batch split over two chunks (one sample each).
        for chunks in [1, 2] {
            FORCE_CHUNKS.with(|f| f.set(chunks));
            for go_backwards in [false, true] {
                check(&SimpleRnnCell { activation: t }, 1, false, go_backwards);
                check(&LstmCell { activation: t, recurrent_activation: s }, 4, false, go_backwards);
                check(&GruCell { activation: t, recurrent_activation: s, reset_after: true }, 3, true, go_backwards);
                check(&GruCell { activation: t, recurrent_activation: s, reset_after: false }, 3, false, go_backwards);
            }
        }
        FORCE_CHUNKS.with(|f| f.set(0));
    }

    #[test]
    fn masked_steps_carry_the_state() {
        let c = case(4);
        let cell = LstmCell { activation: RnnActivation::Tanh, recurrent_activation: RnnActivation::Sigmoid };
        let mut all_masked = case(4);
        all_masked.mask = vec![false; 8];
        let f = forward(&cell, &inputs(&all_masked, false, false, 8), false).unwrap();
        assert_eq!(f.h, c.h0);
        assert_eq!(f.c.unwrap(), c.c0);
        assert!(f.outputs.iter().all(|&v| v == 0.0), "outputs before any unmasked step are zeros");
    }
}
