//! Binary elementwise kernels with numpy broadcasting into a contiguous output.
//!
//! A *run kernel* maps two operands of one row (each a slice or a broadcast scalar, see
//! `Src`) to that row's outputs. `zip_layout` finds the cheapest way to feed it: one call for
//! two contiguous tensors or tensor-and-scalar (split over threads above
//! `PARALLEL_MIN_ELEMENTS`); otherwise row by row, where a row + bias-row broadcast is a
//! slice/slice row, a row + column broadcast a slice/scalar row, and any other stride is
//! gathered into a scratch run first.

pub mod kernels;

use std::mem::MaybeUninit;


use crate::error::Result;
use crate::layout::Layout;

use super::parallel::{chunk_len, PARALLEL_MIN_ELEMENTS};
use super::simd::levels::{each2, Src};
use super::unary::{alloc_with, gather, Rows, SCRATCH};

/// Runs `kernel` on one contiguous stretch (slices already cut to the stretch).
fn run_split<A: Copy + Sync, B: Copy + Sync, O: Send>(
    a: Src<A>,
    b: Src<B>,
    out: &mut [MaybeUninit<O>],
    kernel: &(impl Fn(Src<A>, Src<B>, &mut [MaybeUninit<O>]) + Sync),
) {
    let n = out.len();
    if n < PARALLEL_MIN_ELEMENTS {
        kernel(a, b, out);
        return;
    }
    let c = chunk_len(n);
    crate::cpu::team::chunks_mut(out, c, |i, o| {
        let r = i * c..i * c + o.len();
        let pa = match a {
            Src::Slice(s) => Src::Slice(&s[r.clone()]),
            s => s,
        };
        let pb = match b {
            Src::Slice(s) => Src::Slice(&s[r]),
            s => s,
        };
        kernel(pa, pb, o);
    });
}

/// One operand of a row: a slice when its stride is 1, the value when 0, else gathered.
#[inline]
fn row_operand<'a, T: Copy>(data: &'a [T], base: isize, stride: isize, len: usize, scratch: &'a mut [T]) -> Src<'a, T> {
    match stride {
        0 => Src::Scalar(data[base as usize]),
        1 => Src::Slice(&data[base as usize..base as usize + len]),
        _ => {
            gather(data, base, stride, &mut scratch[..len]);
            Src::Slice(&scratch[..len])
        }
    }
}

/// Rows `s..e` of the broadcast walk, written into `out` (which starts at row `s`).
#[allow(clippy::too_many_arguments)]
fn zip_rows<A, B, O>(a: &[A], b: &[B], rows: &Rows<2>, s: usize, e: usize, out: &mut [MaybeUninit<O>],
                     kernel: &impl Fn(Src<A>, Src<B>, &mut [MaybeUninit<O>]))
where
    A: Copy + Default,
    B: Copy + Default,
{
    let len = rows.len;
    let [sa, sb] = rows.strides;
    let gathered = |s: isize| !(0..=1).contains(&s);
    let chunk = if gathered(sa) || gathered(sb) { len.min(SCRATCH) } else { len };
    let mut scratch_a = vec![A::default(); if sa == 0 || sa == 1 { 0 } else { chunk }];
    let mut scratch_b = vec![B::default(); if sb == 0 || sb == 1 { 0 } else { chunk }];
    rows.walk(s, e, |row, [ba, bb]| {
        let o = &mut out[(row - s) * len..(row - s + 1) * len];
        let mut start = 0;
        for oc in o.chunks_mut(chunk.max(1)) {
            let m = oc.len();
            let off = start as isize;
            let pa = row_operand(a, ba + off * sa, sa, m, &mut scratch_a);
            let pb = row_operand(b, bb + off * sb, sb, m, &mut scratch_b);
            kernel(pa, pb, oc);
            start += m;
        }
    });
}

/// The operand as one run over all `n` outputs: contiguous, or one value (all strides 0).
fn whole_operand<'a, T: Copy>(data: &'a [T], l: &Layout, n: usize) -> Option<Src<'a, T>> {
    if l.strides().iter().all(|&s| s == 0) {
        return Some(Src::Scalar(data[l.offset()]));
    }
    l.contiguous_offset().map(|o| Src::Slice(&data[o..o + n]))
}

/// The run kernel over two operands broadcast to `shape` (`la`, `lb` already broadcast).
pub fn zip_layout<A, B, O>(
    a: &[A],
    la: &Layout,
    b: &[B],
    lb: &Layout,
    shape: &[usize],
    kernel: impl Fn(Src<A>, Src<B>, &mut [MaybeUninit<O>]) + Sync,
) -> Result<Vec<O>>
where
    A: Copy + Default + Send + Sync,
    B: Copy + Default + Send + Sync,
    O: Send,
{
    let n: usize = shape.iter().product();
    if n > 0 {
        if let (Some(pa), Some(pb)) = (whole_operand(a, la, n), whole_operand(b, lb, n)) {
            // SAFETY: run_split hands every output element to the kernel exactly once.
            return unsafe { alloc_with(n, |out| run_split(pa, pb, out, &kernel)) };
        }
    }
    let rows = Rows::new(shape, [la.strides(), lb.strides()], [la.offset(), lb.offset()]);
    let len = rows.len;
    // SAFETY: zip_rows writes every row of the output.
    unsafe {
        alloc_with(n, |out| {
            if n >= PARALLEL_MIN_ELEMENTS && rows.count > 1 {
                let ranges = rows.ranges();
                let spans: Vec<(usize, usize)> = ranges.iter().map(|&(s, e)| (s * len, e * len)).collect();
                crate::cpu::team::spans_mut(out, &spans, |k, part| zip_rows(a, b, &rows, ranges[k].0, ranges[k].1, part, &kernel));
            } else {
                zip_rows(a, b, &rows, 0, rows.count, out, &kernel);
            }
        })
    }
}

/// out[i] = f(a[i], b[i]) over `shape`, with `la`/`lb` already broadcast to `shape` (the generic
/// entry point other op families use).
pub fn map2<A, B, O>(a: &[A], la: &Layout, b: &[B], lb: &Layout, shape: &[usize], f: impl Fn(A, B) -> O + Sync) -> Result<Vec<O>>
where
    A: Copy + Default + Send + Sync,
    B: Copy + Default + Send + Sync,
    O: Copy + Default + Send,
{
    zip_layout(a, la, b, lb, shape, |x, y, o| each2(x, y, o, &f))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(a: &[f64], la: &Layout, b: &[f64], lb: &Layout) -> Vec<f64> {
        let (mut va, mut vb) = (vec![], vec![]);
        la.for_each_offset(|o| va.push(a[o]));
        lb.for_each_offset(|o| vb.push(b[o]));
        va.iter().zip(&vb).map(|(x, y)| x * 10.0 + y).collect()
    }

    fn check(sa: &[usize], sb: &[usize], transpose_a: bool) {
        let shape = crate::layout::broadcast_shapes(sa, sb, "t").unwrap();
        let na: usize = sa.iter().product();
        let nb: usize = sb.iter().product();
        let a: Vec<f64> = (0..na).map(|v| v as f64).collect();
        let b: Vec<f64> = (0..nb).map(|v| (v as f64) * 0.5).collect();
        let mut la = Layout::contiguous(sa);
        if transpose_a && sa.len() >= 2 {
            let mut rev = sa.to_vec();
            rev.reverse();
            let perm: Vec<usize> = (0..sa.len()).rev().collect();
            la = Layout::contiguous(&rev).permute(&perm).unwrap();
        }
        let la = la.broadcast_to(&shape, "t").unwrap();
        let lb = Layout::contiguous(sb).broadcast_to(&shape, "t").unwrap();
        let got = map2(&a, &la, &b, &lb, &shape, |x: f64, y: f64| x * 10.0 + y).unwrap();
        assert_eq!(got, reference(&a, &la, &b, &lb), "{sa:?} {sb:?} transposed={transpose_a}");
    }

    #[test]
    fn broadcasting_cases() {
        for t in [false, true] {
            check(&[3, 4], &[3, 4], t);
            check(&[3, 4], &[4], t);
            check(&[3, 4], &[3, 1], t);
            check(&[3, 4], &[], t);
            check(&[2, 1, 4], &[3, 1], t);
            check(&[1], &[5, 2], t);
            check(&[0, 4], &[4], t);
            check(&[700, 3], &[3], t);
            check(&[3, 700], &[700], t);
            check(&[300, 200], &[300, 1], t);
        }
    }
}
