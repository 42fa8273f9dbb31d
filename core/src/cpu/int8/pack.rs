//! The weight layouts of each int8 path, and the GEMM entry that prepares the activations for it.

use super::Isa;

/// Output channels per vector: 16 int32 lanes (AVX-512), 8 (AVX2).
pub const VNNI_LANES: usize = 16;
pub const AVX2_LANES: usize = 8;

pub enum Packed {
    /// The kernel as given, `[k][n]`.
    Scalar { w: Vec<i8> },
    /// `[n / 8][k / 2][8][2]` int16, zero padded.
    Avx2 { w: Vec<i16>, kp: usize },
    /// `[n / 16][k / 4][16][4]` int8, zero padded, and `128 * sum_k w[k, n]` (padded to whole
    /// blocks) to undo the +128 offset of the activations.
    Vnni { w: Vec<i8>, corr: Vec<i32>, kq: usize },
}

impl Packed {
    pub fn new(isa: Isa, kernel: &[i8], k: usize, n: usize) -> Packed {
        match isa {
            Isa::Scalar => Packed::Scalar { w: kernel.to_vec() },
            Isa::Avx2 => {
                let (nb, kp) = (n.div_ceil(AVX2_LANES), k.div_ceil(2));
                let mut w = vec![0i16; nb * kp * AVX2_LANES * 2];
                for kk in 0..k {
                    for j in 0..n {
                        let (b, lane) = (j / AVX2_LANES, j % AVX2_LANES);
                        w[((b * kp + kk / 2) * AVX2_LANES + lane) * 2 + kk % 2] = kernel[kk * n + j] as i16;
                    }
                }
                Packed::Avx2 { w, kp }
            }
            Isa::Vnni => {
                let (nb, kq) = (n.div_ceil(VNNI_LANES), k.div_ceil(4));
                let mut w = vec![0i8; nb * kq * VNNI_LANES * 4];
                let mut corr = vec![0i32; nb * VNNI_LANES];
                for kk in 0..k {
                    for j in 0..n {
                        let (b, lane) = (j / VNNI_LANES, j % VNNI_LANES);
                        let v = kernel[kk * n + j];
                        w[((b * kq + kk / 4) * VNNI_LANES + lane) * 4 + kk % 4] = v;
                        corr[j] += 128 * v as i32;
                    }
                }
                Packed::Vnni { w, corr, kq }
            }
        }
    }

    /// `c = a @ kernel` for int8 rows `a` (`[m, k]`) into `c` (`[m, n]`, int32).
    pub fn gemm(&self, a: &[i8], m: usize, k: usize, n: usize, c: &mut [i32]) {
        match self {
            Packed::Scalar { w } => {
                for r in 0..m {
                    let cr = &mut c[r * n..(r + 1) * n];
                    for kk in 0..k {
                        let av = a[r * k + kk] as i32;
                        for (o, &wv) in cr.iter_mut().zip(&w[kk * n..(kk + 1) * n]) {
                            *o += av * wv as i32;
                        }
                    }
                }
            }
            #[cfg(target_arch = "x86_64")]
            Packed::Avx2 { w, kp } => {
                let mut a16 = vec![0i16; m * kp * 2];
                for r in 0..m {
                    for kk in 0..k {
                        a16[r * kp * 2 + kk] = a[r * k + kk] as i16;
                    }
                }
                // SAFETY: this layout is only packed when `Isa::available()` found AVX2.
                unsafe { super::x86::gemm_avx2(&a16, m, *kp, w, n, c) }
            }
            #[cfg(target_arch = "x86_64")]
            Packed::Vnni { w, corr, kq } => {
                // +128 turns int8 into the uint8 `vpdpbusd` wants; padding is 128, i.e. zero.
                let mut au8 = vec![128u8; m * kq * 4];
                for r in 0..m {
                    for kk in 0..k {
                        au8[r * kq * 4 + kk] = (a[r * k + kk] as u8) ^ 0x80;
                    }
                }
                // SAFETY: this layout is only packed when `Isa::available()` found AVX-512 VNNI.
                unsafe { super::x86::gemm_vnni(&au8, m, *kq, w, corr, n, c) }
            }
            #[cfg(not(target_arch = "x86_64"))]
            _ => unreachable!("only the scalar int8 path exists off x86_64"),
        }
    }
}
