//! The portable micro-kernel: plain Rust over any GemmScalar (the integer types, and floats on
//! machines without AVX2). A 4 x 8 tile of accumulators the compiler keeps in registers and
//! vectorises with whatever the baseline target offers.

use std::marker::PhantomData;

use super::MicroKernel;
use crate::cpu::gemm::pack::pack_panels;
use crate::cpu::gemm::GemmScalar;

pub(crate) struct Portable<T>(PhantomData<T>);

const MR: usize = 4;
const NR: usize = 8;

impl<T: GemmScalar> MicroKernel for Portable<T> {
    type T = T;
    const MR: usize = MR;
    const NR: usize = NR;
    const MC: usize = 128;
    const KC: usize = 256;
    const NC: usize = 2048;

    unsafe fn pack_a(rows: usize, kc: usize, src: *const T, rs: isize, cs: isize, dst: *mut T) {
        pack_panels::<T, MR>(rows, kc, src, rs, cs, dst)
    }

    unsafe fn pack_b(rows: usize, kc: usize, src: *const T, rs: isize, cs: isize, dst: *mut T) {
        pack_panels::<T, NR>(rows, kc, src, rs, cs, dst)
    }

    unsafe fn tile(k: usize, a: *const T, b: *const T, ldb: isize, c: *mut T, rsc: isize, load: bool, bias: *const T, relu: bool) {
        let mut acc = [[T::default(); NR]; MR];
        for p in 0..k {
            let ap = a.add(p * MR);
            let bp = b.offset(p as isize * ldb);
            let bv: [T; NR] = std::array::from_fn(|j| *bp.add(j));
            for (i, row) in acc.iter_mut().enumerate() {
                let ai = *ap.add(i);
                for (acc, &bj) in row.iter_mut().zip(&bv) {
                    *acc = *acc + ai * bj;
                }
            }
        }
        for (i, row) in acc.iter().enumerate() {
            let cr = c.offset(i as isize * rsc);
            for (j, &v) in row.iter().enumerate() {
                let mut v = v;
                if load {
                    v = *cr.add(j) + v;
                }
                if !bias.is_null() {
                    v = v + *bias.add(j);
                }
                if relu && v < T::default() {
                    v = T::default();
                }
                *cr.add(j) = v;
            }
        }
    }
}
