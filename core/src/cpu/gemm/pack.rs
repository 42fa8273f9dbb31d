//! Packing: copying a block of A or B into the panel order the micro-kernel streams, and the
//! reusable per-thread buffers the panels live in.

use std::cell::Cell;

/// One cache line; a Vec of these is 64-byte aligned, so packed panels start on a line.
#[repr(C, align(64))]
#[derive(Clone, Copy)]
struct Line([u8; 64]);

/// Which buffer: a thread packs its A block while B (shared by all threads) is held by the
/// thread that started the product, so the two need separate slots.
#[derive(Clone, Copy)]
pub(crate) enum Slot {
    A = 0,
    B = 1,
}

thread_local! {
    // Buffers are taken out while in use and put back after, so a re-entrant call on the same
    // thread (rayon runs another task while a join waits) finds an empty slot and allocates its
    // own instead of aliasing ours.
    static BUFFERS: [Cell<Vec<Line>>; 2] = const { [Cell::new(Vec::new()), Cell::new(Vec::new())] };
}

/// Runs `f` with a 64-byte-aligned scratch buffer of at least `elems` elements of T, reusing the
/// thread's buffer across calls (steady-state training packs without allocating).
pub(crate) fn with_pack_buffer<T, R>(slot: Slot, elems: usize, f: impl FnOnce(*mut T) -> R) -> R {
    let lines = (elems * std::mem::size_of::<T>()).div_ceil(64).max(1);
    let mut buf = BUFFERS.try_with(|b| b[slot as usize].take()).unwrap_or_default();
    if buf.len() < lines {
        buf = vec![Line([0; 64]); lines];
    }
    let out = f(buf.as_mut_ptr() as *mut T);
    let _ = BUFFERS.try_with(|b| {
        let cell = &b[slot as usize];
        let other = cell.take();
        cell.set(if other.len() > buf.len() { other } else { buf });
    });
    out
}

/// Copies `rows` x `kc` elements of a strided matrix (element (i, p) at `src[i*rs + p*cs]`) into
/// panels of `W` rows: panel q holds, for each p in 0..kc, the W values of rows q*W .. q*W+W,
/// zero-filled past `rows`. A is packed with W = MR; B is packed as Bᵀ with W = NR. W is a
/// constant so the copies unroll; kernels call this from functions compiled for their ISA.
///
/// # Safety
/// Every (i, p) with i < rows, p < kc must be readable at `src`, and `dst` must have room for
/// ceil(rows / W) * W * kc elements.
#[inline(always)]
pub(crate) unsafe fn pack_panels<T: Copy + Default, const W: usize>(rows: usize, kc: usize, src: *const T, rs: isize, cs: isize, dst: *mut T) {
    let full = rows / W;
    if rs == 1 && full > 0 {
        // The W values of each panel for a given p are contiguous (B row-major, or A
        // column-major). Walk p in the outer loop so the source is read row after row, each row
        // once and in order; panel by panel would read short pieces of every row at a large
        // stride, which the caches and prefetchers handle badly (4 KiB strides alias in L1).
        for p in 0..kc {
            let s = src.offset(p as isize * cs);
            for q in 0..full {
                std::ptr::copy_nonoverlapping(s.add(q * W), dst.add(q * W * kc + p * W), W);
            }
        }
    }
    let mut q = if rs == 1 { full } else { 0 };
    let w = W;
    while q * w < rows {
        let r0 = q * w;
        let live = w.min(rows - r0);
        let panel = dst.add(r0 * kc);
        let base = src.offset(r0 as isize * rs);
        if cs == 1 {
            // Each row is contiguous along p (A row-major, or B transposed): a transpose.
            transpose_rows(live, w, kc, base, rs, panel);
            zero_tail(live, w, kc, panel);
        } else {
            for p in 0..kc {
                let d = panel.add(p * w);
                let s = base.offset(p as isize * cs);
                for i in 0..live {
                    *d.add(i) = *s.offset(i as isize * rs);
                }
            }
            zero_tail(live, w, kc, panel);
        }
        q += 1;
    }
}

/// panel[p*w + i] = row_i[p] for `live` rows with contiguous elements, a few p at a time so the
/// reads of all rows and the writes stay within a few cache lines.
#[inline]
unsafe fn transpose_rows<T: Copy>(live: usize, w: usize, kc: usize, base: *const T, rs: isize, panel: *mut T) {
    const STEP: usize = 16;
    let mut p0 = 0;
    while p0 < kc {
        let pn = STEP.min(kc - p0);
        for i in 0..live {
            let s = base.offset(i as isize * rs).add(p0);
            let d = panel.add(p0 * w + i);
            for p in 0..pn {
                *d.add(p * w) = *s.add(p);
            }
        }
        p0 += pn;
    }
}

/// Zeroes rows live..w of every p of a panel (the padding of the last, partial panel).
#[inline]
unsafe fn zero_tail<T: Copy + Default>(live: usize, w: usize, kc: usize, panel: *mut T) {
    if live == w {
        return;
    }
    for p in 0..kc {
        for i in live..w {
            *panel.add(p * w + i) = T::default();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panels_of_every_layout_match() {
        // A 5 x 3 matrix read row-major, column-major and with a general stride.
        let rows = 5;
        let kc = 3;
        let rm: Vec<f32> = (0..15).map(|v| v as f32).collect(); // (i, p) = 3i + p
        let cm: Vec<f32> = (0..15).map(|v| ((v % 5) * 3 + v / 5) as f32).collect(); // (i,p) at i + 5p
        let mut gen = vec![0f32; 40];
        for i in 0..5 {
            for p in 0..3 {
                gen[i * 2 + p * 12] = (3 * i + p) as f32;
            }
        }
        let w = 2;
        let want: Vec<f32> = {
            let mut v = vec![];
            for q in 0..3 {
                for p in 0..kc {
                    for i in 0..w {
                        let r = q * w + i;
                        v.push(if r < rows { (3 * r + p) as f32 } else { 0.0 });
                    }
                }
            }
            v
        };
        for (src, rs, cs) in [(&rm, 3isize, 1isize), (&cm, 1, 5), (&gen, 2, 12)] {
            let mut out = vec![f32::NAN; 3 * w * kc];
            unsafe { pack_panels::<f32, 2>(rows, kc, src.as_ptr(), rs, cs, out.as_mut_ptr()) };
            assert_eq!(out, want, "strides {rs} {cs}");
        }
    }

    #[test]
    fn reentrant_buffers_do_not_alias() {
        with_pack_buffer::<f32, _>(Slot::A, 100, |outer| {
            with_pack_buffer::<f32, _>(Slot::A, 100, |inner| assert_ne!(outer, inner));
            assert_eq!(outer as usize % 64, 0);
        });
    }
}
