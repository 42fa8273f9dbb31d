//! int8 inference: dynamic per-row activation quantization (Keras' abs-max scheme) and an
//! int8 x int8 -> int32 GEMM with fused dequantization, bias and ReLU.
//!
//! The weights are packed once (`Int8Weights::pack`) in the layout of the instruction set chosen
//! at that moment:
//! - `Vnni` (AVX-512 VNNI, `vpdpbusd`): 16 output channels x 4 k per 64-byte vector. `vpdpbusd`
//!   multiplies unsigned by signed bytes, so activations are offset by +128 and the packed
//!   column sums (`128 * sum_k w[k, n]`) are subtracted afterwards; exact in int32.
//! - `Avx2`: weights and activations widened to int16 and multiplied with `vpmaddwd`
//!   (exact). `vpmaddubsw` is not used: its int16 pair sums saturate for values near -128/127,
//!   so its results would not be exact.
//! - `Scalar`: plain integer loops.
//!
//! `LAMINA_INT8_ISA=vnni|avx2|scalar` caps the choice (to test each path, or to turn one off).

mod pack;
mod x86;

#[cfg(test)]
mod tests;

use crate::error::{Error, Result};

/// The int8 GEMM paths, best last.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Isa {
    Scalar,
    Avx2,
    Vnni,
}

impl Isa {
    pub fn name(self) -> &'static str {
        match self {
            Isa::Scalar => "scalar",
            Isa::Avx2 => "avx2",
            Isa::Vnni => "vnni",
        }
    }

    fn from_name(name: &str) -> Result<Isa> {
        Ok(match name {
            "scalar" => Isa::Scalar,
            "avx2" => Isa::Avx2,
            "vnni" | "avx512vnni" => Isa::Vnni,
            _ => {
                return Err(Error::Value(format!(
                    "LAMINA_INT8_ISA='{name}' is not an int8 path: expected one of vnni, avx2, scalar"
                )))
            }
        })
    }

    /// The paths this CPU runs, best last.
    pub fn available() -> Vec<Isa> {
        let mut v = vec![Isa::Scalar];
        #[cfg(target_arch = "x86_64")]
        {
            if is_x86_feature_detected!("avx2") {
                v.push(Isa::Avx2);
            }
            if is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512bw") && is_x86_feature_detected!("avx512vnni") {
                v.push(Isa::Vnni);
            }
        }
        v
    }

    /// The best available path, capped by `LAMINA_INT8_ISA` when it is set.
    pub fn chosen() -> Result<Isa> {
        let best = *Isa::available().last().unwrap();
        match std::env::var("LAMINA_INT8_ISA") {
            Ok(s) if !s.is_empty() => Ok(best.min(Isa::from_name(&s.to_ascii_lowercase())?)),
            _ => Ok(best),
        }
    }
}

/// Keras' `abs_max_quantize` along the last axis: `scale = 127 / (max|x| + 1e-7)`,
/// `q = clip(round_half_even(x * scale), -127, 127)`. Returns the int8 rows and one scale a row.
pub fn quantize_rows(x: &[f32], k: usize) -> (Vec<i8>, Vec<f32>) {
    let m = if k == 0 { 0 } else { x.len() / k };
    let mut q = vec![0i8; m * k];
    let mut scales = vec![0f32; m];
    for r in 0..m {
        let row = &x[r * k..(r + 1) * k];
        let amax = row.iter().fold(0f32, |a, &v| a.max(v.abs()));
        let s = 127.0 / (amax + 1e-7);
        scales[r] = s;
        for (o, &v) in q[r * k..(r + 1) * k].iter_mut().zip(row) {
            *o = (v * s).round_ties_even().clamp(-127.0, 127.0) as i8;
        }
    }
    (q, scales)
}

/// A Dense layer's int8 kernel `[k, n]`, its per-output-channel scales (Keras' `kernel_scale`:
/// `q = w * scale`) and optional bias, packed for one instruction set.
pub struct Int8Weights {
    pub k: usize,
    pub n: usize,
    pub isa: Isa,
    packed: pack::Packed,
    inv_scale: Vec<f32>,
    bias: Option<Vec<f32>>,
}

impl Int8Weights {
    pub fn pack(kernel: &[i8], k: usize, n: usize, kernel_scale: &[f32], bias: Option<&[f32]>) -> Result<Int8Weights> {
        if kernel.len() != k * n {
            return Err(Error::Shape(format!("int8 kernel has {} values, expected {k} x {n}", kernel.len())));
        }
        if kernel_scale.len() != n {
            return Err(Error::Shape(format!("kernel_scale has {} values, expected {n} (one per output channel)", kernel_scale.len())));
        }
        if let Some(b) = bias {
            if b.len() != n {
                return Err(Error::Shape(format!("bias has {} values, expected {n}", b.len())));
            }
        }
        let isa = Isa::chosen()?;
        Ok(Int8Weights {
            k,
            n,
            isa,
            packed: pack::Packed::new(isa, kernel, k, n),
            inv_scale: kernel_scale.iter().map(|s| 1.0 / s).collect(),
            bias: bias.map(|b| b.to_vec()),
        })
    }

    /// The exact int32 products `a @ kernel` of int8 rows `a` (`[m, k]`), as `[m, n]`.
    pub fn matmul_i32(&self, a: &[i8]) -> Result<Vec<i32>> {
        let m = self.rows_of(a.len())?;
        let mut c = vec![0i32; m * self.n];
        self.packed.gemm(a, m, self.k, self.n, &mut c);
        Ok(c)
    }

    /// Keras' int8 Dense call on float rows `x` (`[m, k]`): quantize each row, multiply in int8,
    /// then `acc / (row_scale * kernel_scale) + bias`, then ReLU when `relu`.
    pub fn dense(&self, x: &[f32], relu: bool) -> Result<Vec<f32>> {
        let m = self.rows_of(x.len())?;
        let (q, row_scale) = quantize_rows(x, self.k);
        let mut acc = vec![0i32; m * self.n];
        self.packed.gemm(&q, m, self.k, self.n, &mut acc);
        let mut out = vec![0f32; m * self.n];
        for r in 0..m {
            let inv_row = 1.0 / row_scale[r];
            let (a, o) = (&acc[r * self.n..(r + 1) * self.n], &mut out[r * self.n..(r + 1) * self.n]);
            for j in 0..self.n {
                let mut v = a[j] as f32 * (inv_row * self.inv_scale[j]);
                if let Some(b) = &self.bias {
                    v += b[j];
                }
                o[j] = if relu { v.max(0.0) } else { v };
            }
        }
        Ok(out)
    }

    fn rows_of(&self, len: usize) -> Result<usize> {
        if self.k == 0 {
            return Err(Error::Shape("int8 Dense with an input dimension of 0".into()));
        }
        if len % self.k != 0 {
            return Err(Error::Shape(format!("int8 Dense expects rows of {} values, got {len} values in all", self.k)));
        }
        Ok(len / self.k)
    }
}
