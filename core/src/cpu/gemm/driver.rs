//! The blocked loops around the micro-kernel (BLIS order: jc over NC columns, pc over KC of the
//! inner dimension with B packed once per block, ic over MC rows with A packed per thread, then
//! NR x MR tiles) and the split of each block over threads.

use std::mem::MaybeUninit;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::kernels::MicroKernel;
use super::pack::{with_pack_buffer, Slot};
use super::GemmScalar;
use crate::cpu::team;

/// Multiply-adds from which a product uses every thread of the pool. Below it, waking a second
/// thread costs more than it saves (a 64^3 product takes ~2 us on one core).
pub const PARALLEL_MIN_MACS: usize = 1 << 19;

/// Blocking sizes (mc, kc, nc) that replace every kernel's own when set (0 = unset). A tuning
/// hook for measuring other sizes in one process: see `set_blocking_override`.
static BLOCKING_OVERRIDE: [AtomicUsize; 3] = [AtomicUsize::new(0), AtomicUsize::new(0), AtomicUsize::new(0)];

/// Overrides the blocking sizes of every kernel (rounded to its tile), or restores them with
/// None. For tuning on a new machine; not meant for production use.
#[doc(hidden)]
pub fn set_blocking_override(sizes: Option<(usize, usize, usize)>) {
    let (mc, kc, nc) = sizes.unwrap_or((0, 0, 0));
    for (slot, v) in BLOCKING_OVERRIDE.iter().zip([mc, kc, nc]) {
        slot.store(v, Ordering::Relaxed);
    }
}

/// The blocking sizes for kernel K.
fn blocking<K: MicroKernel>() -> (usize, usize, usize) {
    let get = |i: usize, own: usize, tile: usize| match BLOCKING_OVERRIDE[i].load(Ordering::Relaxed) {
        0 => own,
        v => round_up(v, tile),
    };
    (get(0, K::MC, K::MR), get(1, K::KC, 1), get(2, K::NC, K::NR))
}

/// Pieces each thread's share is cut into. The team's threads claim pieces one at a time, so a
/// thread the OS runs late (a busy machine) delays the product by one piece, not by half of it.
const PIECES_PER_THREAD: usize = 4;

/// A validated GEMM on raw pointers: C = act(beta·C + A·B + bias). Built by `gemm_strided`,
/// which checked every (i, j) of each operand lies inside its slice.
#[derive(Clone, Copy, Debug)]
pub struct Problem<T> {
    pub(crate) m: usize,
    pub(crate) n: usize,
    pub(crate) k: usize,
    pub(crate) a: *const T,
    pub(crate) rsa: isize,
    pub(crate) csa: isize,
    pub(crate) b: *const T,
    pub(crate) rsb: isize,
    pub(crate) csb: isize,
    pub(crate) c: *mut T,
    pub(crate) rsc: isize,
    pub(crate) csc: isize,
    pub(crate) accumulate: bool,
    /// Null, or the bias of C(i, j) at bias[i*bias_rs + j*bias_cs].
    pub(crate) bias: *const T,
    pub(crate) bias_rs: isize,
    pub(crate) bias_cs: isize,
    pub(crate) relu: bool,
}

// SAFETY: a Problem is shared between the threads of one product, which read A, B and the bias
// and write disjoint tiles of C; the caller holds the borrows for the product's duration.
unsafe impl<T: Send> Send for Problem<T> {}
unsafe impl<T: Sync> Sync for Problem<T> {}

impl<T: GemmScalar> Problem<T> {
    /// The same product as Cᵀ = Bᵀ·Aᵀ: only strides and roles change.
    pub(crate) fn transposed(&self) -> Problem<T> {
        Problem {
            m: self.n,
            n: self.m,
            a: self.b,
            rsa: self.csb,
            csa: self.rsb,
            b: self.a,
            rsb: self.csa,
            csb: self.rsa,
            rsc: self.csc,
            csc: self.rsc,
            bias_rs: self.bias_cs,
            bias_cs: self.bias_rs,
            ..*self
        }
    }

    /// Writes one element of C: `v` plus the old value when `load`, then the epilogue when
    /// `last` (this was the final slice of the inner dimension).
    #[inline(always)]
    pub(crate) unsafe fn store(&self, i: usize, j: usize, mut v: T, load: bool, last: bool) {
        let c = self.c.offset(i as isize * self.rsc + j as isize * self.csc);
        if load {
            v = *c + v;
        }
        if last {
            if !self.bias.is_null() {
                v = v + *self.bias.offset(i as isize * self.bias_rs + j as isize * self.bias_cs);
            }
            // `v < 0` is false for NaN, so relu keeps NaN as numpy's maximum(x, 0) does.
            if self.relu && v < T::default() {
                v = T::default();
            }
        }
        *c = v;
    }
}

/// A raw pointer that may cross to the team's threads (the pieces touch disjoint parts).
#[derive(Clone, Copy)]
struct SendPtr<T>(*mut T);
unsafe impl<T> Send for SendPtr<T> {}
unsafe impl<T> Sync for SendPtr<T> {}
impl<T> SendPtr<T> {
    fn get(self) -> *mut T {
        self.0
    }
}

/// One (jc, pc) block: columns jc..jc+nc of C, inner indices pc..pc+kc.
#[derive(Clone, Copy)]
struct Block {
    /// Rows of A packed at once.
    mc: usize,
    jc: usize,
    nc: usize,
    pc: usize,
    kc: usize,
    /// Add to C's current values (a previous slice of k was stored, or the caller accumulates).
    load: bool,
    /// The final slice of k: apply bias and relu.
    last: bool,
    /// Full column panels are read from B where it lies (its rows contiguous, a single row
    /// panel of A that would reuse nothing packed); only a partial last panel is packed.
    b_in_place: bool,
}

fn round_up(x: usize, to: usize) -> usize {
    x.div_ceil(to) * to
}

/// Computes the problem with micro-kernel K.
pub(crate) fn run<K: MicroKernel>(p: &Problem<K::T>) {
    if p.m == 0 || p.n == 0 {
        return;
    }
    if p.k == 0 {
        // SAFETY: every (i, j) of C and the bias is in bounds (checked by gemm_strided).
        unsafe { epilogue_only(p) };
        return;
    }
    // A tile covers MR rows and NR columns, NR the wider. When n is narrow and m is not (a
    // classifier head: 128x256 @ 256x10), computing Cᵀ wastes far fewer padded lanes.
    let padded = |m: usize, n: usize| round_up(m, K::MR) * round_up(n, K::NR);
    let p = if 4 * padded(p.n, p.m) < 3 * padded(p.m, p.n) { p.transposed() } else { *p };
    let threads = if p.m.saturating_mul(p.n).saturating_mul(p.k) >= PARALLEL_MIN_MACS { team::threads() } else { 1 };
    // Packing B pays because each panel serves every row panel of A. With one row panel
    // (a small batch, or the transposed orientation of a narrow product) it would serve once:
    // read B in place when its rows are contiguous.
    let b_in_place = p.m <= K::MR && p.csb == 1;
    let (mc_block, kc_block, nc_block) = blocking::<K>();
    // Equal slices of k, up to an eighth over KC, rather than full slices and a sliver: each
    // slice costs its packing and (with threads) its joins whatever its size (784 = 392 + 392
    // instead of 384 + 384 + 16).
    let kc_block = p.k.div_ceil(p.k.div_ceil(kc_block + kc_block / 8));
    let nc_cap = round_up(p.n.min(nc_block), K::NR);
    let kc_cap = p.k.min(kc_block);
    with_pack_buffer(Slot::B, nc_cap * kc_cap, |bp: *mut K::T| {
        let bp = SendPtr(bp);
        for jc in (0..p.n).step_by(nc_block) {
            let nc = nc_block.min(p.n - jc);
            for pc in (0..p.k).step_by(kc_block) {
                let kc = kc_block.min(p.k - pc);
                let blk = Block { mc: mc_block, jc, nc, pc, kc, load: pc > 0 || p.accumulate, last: pc + kc == p.k, b_in_place };
                // SAFETY: the block lies inside B, and bp has room for nc_cap * kc_cap elements.
                unsafe { run_block::<K>(&p, &blk, bp, threads) };
            }
        }
    })
}

/// Packs column panels `q` of B's block (in place mode: only a partial last panel).
unsafe fn pack_b_panels<K: MicroKernel>(p: &Problem<K::T>, blk: &Block, bp: *mut K::T, q: Range<usize>) {
    let q = if blk.b_in_place { q.start.max(blk.nc / K::NR)..q.end } else { q };
    if q.is_empty() {
        return;
    }
    let r0 = q.start * K::NR;
    let rows = (q.end * K::NR).min(blk.nc) - r0;
    let src = p.b.offset(blk.pc as isize * p.rsb + (blk.jc + r0) as isize * p.csb);
    K::pack_b(rows, blk.kc, src, p.csb, p.rsb, bp.add(r0 * blk.kc));
}

/// The t-th of `parts` nearly equal pieces of 0..len.
fn split(len: usize, parts: usize, t: usize) -> Range<usize> {
    len * t / parts..len * (t + 1) / parts
}

/// One (jc, pc) block, on one thread or split over several: by rows (B packed together, then
/// each task packs and multiplies its own rows of A) or by column panels (B and A packed
/// together, then each task multiplies A with its panels of B), whichever leaves fewer tiles
/// on the busiest thread. Each parallel region ends in a wait for the slowest thread, which
/// costs microseconds on a busy machine, so the regions are as few as the data dependencies allow.
unsafe fn run_block<K: MicroKernel>(p: &Problem<K::T>, blk: &Block, bp: SendPtr<K::T>, threads: usize) {
    let row_panels = p.m.div_ceil(K::MR);
    let col_panels = blk.nc.div_ceil(K::NR);
    // SAFETY (all calls below): the row and panel ranges lie inside the block; tasks write
    // disjoint panels and tiles, and read packed panels only after the join that packed them.
    if threads == 1 {
        pack_b_panels::<K>(p, blk, bp.get(), 0..col_panels);
        macro_kernel::<K>(p, blk, 0..p.m, 0..col_panels, bp.get());
        return;
    }
    let by_rows = row_panels.div_ceil(threads) * col_panels;
    let by_cols = col_panels.div_ceil(threads) * row_panels;
    if by_rows <= by_cols {
        let pieces = (threads * PIECES_PER_THREAD).min(col_panels);
        team::for_each(pieces, |t| pack_b_panels::<K>(p, blk, bp.get(), split(col_panels, pieces, t)));
        let pieces = (threads * PIECES_PER_THREAD).min(row_panels);
        team::for_each(pieces, |t| {
            let r = split(row_panels, pieces, t);
            if !r.is_empty() {
                let rows = r.start * K::MR..(r.end * K::MR).min(p.m);
                macro_kernel::<K>(p, blk, rows, 0..col_panels, bp.get());
            }
        });
        return;
    }
    // A short A (the usual reason to split by columns) is packed whole: one pair of joins.
    let mc_block = if p.m <= 4 * blk.mc { p.m } else { blk.mc };
    let mc_cap = round_up(mc_block, K::MR);
    with_pack_buffer(Slot::A, mc_cap * blk.kc, |ap: *mut K::T| {
        let ap = SendPtr(ap);
        for ic in (0..p.m).step_by(mc_block) {
            let mc = mc_block.min(p.m - ic);
            let a_panels = mc.div_ceil(K::MR);
            // B's panels (first A block only) and A's panels, as one list of units.
            let b_units = if ic == 0 { col_panels } else { 0 };
            let units = b_units + a_panels;
            let pieces = (threads * PIECES_PER_THREAD).min(units);
            team::for_each(pieces, |t| {
                let u = split(units, pieces, t);
                pack_b_panels::<K>(p, blk, bp.get(), u.start.min(b_units)..u.end.min(b_units));
                let r = u.start.max(b_units) - b_units..u.end.max(b_units) - b_units;
                let rows = r.start * K::MR..(r.end * K::MR).min(mc);
                if !rows.is_empty() {
                    pack_a::<K>(p, blk, ic + rows.start, rows.len(), ap.get().add(rows.start * blk.kc));
                }
            });
            let pieces = (threads * PIECES_PER_THREAD).min(col_panels);
            team::for_each(pieces, |t| {
                let cols = split(col_panels, pieces, t);
                if !cols.is_empty() {
                    tiles::<K>(p, blk, ic, mc, cols, ap.get(), bp.get());
                }
            });
        }
    });
}

/// Packs rows i0..i0+rows of A's block into MR-row panels at `ap`.
#[inline]
unsafe fn pack_a<K: MicroKernel>(p: &Problem<K::T>, blk: &Block, i0: usize, rows: usize, ap: *mut K::T) {
    let src = p.a.offset(i0 as isize * p.rsa + blk.pc as isize * p.csa);
    K::pack_a(rows, blk.kc, src, p.rsa, p.csa, ap);
}

/// Rows `rows` x column panels `panels` of one block: pack A in MC-row pieces and run their tiles.
unsafe fn macro_kernel<K: MicroKernel>(p: &Problem<K::T>, blk: &Block, rows: Range<usize>, panels: Range<usize>, bp: *const K::T) {
    let mc_cap = round_up(blk.mc.min(rows.len()), K::MR);
    with_pack_buffer(Slot::A, mc_cap * blk.kc, |ap: *mut K::T| {
        let mut ic = rows.start;
        while ic < rows.end {
            let mc = blk.mc.min(rows.end - ic);
            pack_a::<K>(p, blk, ic, mc, ap);
            tiles::<K>(p, blk, ic, mc, panels.clone(), ap, bp);
            ic += mc;
        }
    });
}

/// Every tile of rows ic..ic+mc (packed at `ap`) against column panels `panels` (packed at `bp`).
#[inline]
unsafe fn tiles<K: MicroKernel>(p: &Problem<K::T>, blk: &Block, ic: usize, mc: usize, panels: Range<usize>, ap: *const K::T, bp: *const K::T) {
    let kc = blk.kc;
    for q in panels {
        let j0 = blk.jc + q * K::NR;
        let nr = K::NR.min(blk.jc + blk.nc - j0);
        let (b_panel, ldb) = if blk.b_in_place && nr == K::NR {
            (p.b.offset(blk.pc as isize * p.rsb).add(j0), p.rsb)
        } else {
            (bp.add(q * K::NR * kc), K::NR as isize)
        };
        let mut r = 0;
        while r < mc {
            let mr = K::MR.min(mc - r);
            tile::<K>(p, blk, ic + r, j0, mr, nr, ap.add(r * kc), b_panel, ldb);
            r += K::MR;
        }
    }
}

/// Scratch for a partial tile (the largest kernel tile is 12 x 32).
const TILE_MAX: usize = 512;

#[repr(C, align(64))]
struct TileBuf<T>([MaybeUninit<T>; TILE_MAX]);

/// One MR x NR tile at (i0, j0), of which mr x nr are inside C.
#[inline]
#[allow(clippy::too_many_arguments)]
unsafe fn tile<K: MicroKernel>(p: &Problem<K::T>, blk: &Block, i0: usize, j0: usize, mr: usize, nr: usize, a: *const K::T, b: *const K::T, ldb: isize) {
    let bias_is_row = p.bias.is_null() || (p.bias_rs == 0 && p.bias_cs == 1);
    if mr == K::MR && nr == K::NR && p.csc == 1 && bias_is_row {
        let bias = if blk.last && !p.bias.is_null() { p.bias.add(j0) } else { std::ptr::null() };
        let c = p.c.offset(i0 as isize * p.rsc).add(j0);
        K::tile(blk.kc, a, b, ldb, c, p.rsc, blk.load, bias, blk.last && p.relu);
    } else {
        // Edge or strided tile: compute the full tile aside, then store the live part.
        debug_assert!(K::MR * K::NR <= TILE_MAX);
        let mut buf = TileBuf::<K::T>([MaybeUninit::uninit(); TILE_MAX]);
        let t = buf.0.as_mut_ptr() as *mut K::T;
        K::tile(blk.kc, a, b, ldb, t, K::NR as isize, false, std::ptr::null(), false);
        store_tile(p, blk, i0, j0, mr, nr, t, K::NR);
    }
}

/// Stores the live mr x nr part of a tile computed aside (row stride `ldt`) into C.
#[inline]
#[allow(clippy::too_many_arguments)]
unsafe fn store_tile<T: GemmScalar>(p: &Problem<T>, blk: &Block, i0: usize, j0: usize, mr: usize, nr: usize, t: *const T, ldt: usize) {
    let epilogue = blk.last && (p.relu || !p.bias.is_null());
    if !blk.load && !epilogue {
        // A plain copy (the usual case of the transposed orientation, C written column-wise):
        // walk C along its smaller stride.
        let c = p.c.offset(i0 as isize * p.rsc + j0 as isize * p.csc);
        if p.rsc.abs() < p.csc.abs() {
            for j in 0..nr {
                let cj = c.offset(j as isize * p.csc);
                for i in 0..mr {
                    *cj.offset(i as isize * p.rsc) = *t.add(i * ldt + j);
                }
            }
        } else {
            for i in 0..mr {
                let ci = c.offset(i as isize * p.rsc);
                for j in 0..nr {
                    *ci.offset(j as isize * p.csc) = *t.add(i * ldt + j);
                }
            }
        }
        return;
    }
    for i in 0..mr {
        for j in 0..nr {
            p.store(i0 + i, j0 + j, *t.add(i * ldt + j), blk.load, blk.last);
        }
    }
}

/// k == 0: the product is zero, so C = act(beta·C + bias).
unsafe fn epilogue_only<T: GemmScalar>(p: &Problem<T>) {
    for i in 0..p.m {
        for j in 0..p.n {
            p.store(i, j, T::default(), p.accumulate, true);
        }
    }
}
