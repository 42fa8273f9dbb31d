//! GPU arms of the three 2-D convolution primitives (forward, input gradient, filter gradient)
//! on channels-last float32 data: direct kernels in `shaders/conv.wgsl`. Every convolution op
//! (conv 1-D/2-D/grouped, depthwise, separable, transposed) reaches them through
//! `ops::conv::primitives`, and the recorded backward rules call them again, so gradients stay
//! on the gpu.

use crate::cpu::conv::Conv2dGeometry;
use crate::dtype::DType;
use crate::error::Result;
use crate::tensor::Tensor;

use super::buffer::GpuBuffer;
use super::context::{gpu, Arg};
use super::{buf, kind, operand, unsupported, wrap, Params};

const SHADER: &str = include_str!("shaders/conv.wgsl");

/// Which primitive a launch computes (the shader's entry point and its output shape).
#[derive(Clone, Copy)]
pub(crate) enum ConvPass {
    Forward,
    InputGrad,
    FilterGrad,
}

impl ConvPass {
    fn entry(self) -> &'static str {
        match self {
            ConvPass::Forward => "conv2d_forward",
            ConvPass::InputGrad => "conv2d_input_grad",
            ConvPass::FilterGrad => "conv2d_filter_grad",
        }
    }

    fn out_shape(self, g: &Conv2dGeometry) -> [usize; 4] {
        match self {
            ConvPass::Forward => [g.batch, g.out_h, g.out_w, g.out_c],
            ConvPass::InputGrad => [g.batch, g.in_h, g.in_w, g.in_c],
            ConvPass::FilterGrad => [g.k_h, g.k_w, g.group_in(), g.out_c],
        }
    }
}

/// Runs `pass` on gpu operands `a` and `b` (see the shader's table), cast to float32 `dtype`.
pub(crate) fn conv2d(pass: ConvPass, op: &str, a: &Tensor, b: &Tensor, dtype: DType, g: &Conv2dGeometry) -> Result<Tensor> {
    if kind(dtype, op)? != 0 {
        return Err(unsupported(op, &format!("a {dtype} convolution")));
    }
    let (a, b) = (operand(op, a)?, operand(op, b)?);
    let shape = pass.out_shape(g);
    let n: usize = shape.iter().product();
    if n == 0 || a.numel() == 0 || b.numel() == 0 {
        return super::copy::full(&shape, 0.0, dtype);
    }
    let as_f32 = |t: &Tensor| -> Result<Tensor> {
        if t.dtype() == DType::F32 {
            t.contiguous()
        } else {
            super::copy::cast(t, DType::F32, op)
        }
    };
    let (a, b) = (as_f32(&a)?, as_f32(&b)?);
    let dims = [
        g.batch, g.in_h, g.in_w, g.in_c, g.out_h, g.out_w, g.out_c, g.k_h, g.k_w, g.stride_h, g.stride_w, g.dil_h, g.dil_w, g.pad_top, g.pad_left,
        g.group_in(), g.group_out(),
    ];
    if dims.iter().any(|&d| d > i32::MAX as usize) || a.numel() > u32::MAX as usize || b.numel() > u32::MAX as usize {
        return Err(unsupported(op, &format!("a convolution this large ({g:?})")));
    }
    let mut p = Params::default();
    p.u(n as u32);
    for d in dims {
        p.u(d as u32);
    }
    p.u(a.layout().offset() as u32).u(b.layout().offset() as u32);
    // The filter gradient sums over every output position: in chunks of output rows, one
    // thread per chunk and kernel element, then the chunks' partial sums are added.
    let rows = g.batch * g.out_h;
    let chunks = filter_grad_chunks(n, rows, g.out_w);
    let chunk_len = rows.div_ceil(chunks);
    p.u(chunks as u32).u(chunk_len as u32);
    let threads = match pass {
        ConvPass::FilterGrad => n * chunks,
        _ => n,
    };
    if threads > u32::MAX as usize {
        return Err(unsupported(op, &format!("a convolution this large ({g:?})")));
    }
    let out = GpuBuffer::alloc(DType::F32, threads, false, op)?;
    let gp = gpu()?;
    gp.launch(SHADER, pass.entry(), &p.0, &[Arg::Read(buf(&a)?.raw()), Arg::Read(buf(&b)?.raw()), Arg::Write(out.raw())], gp.groups_1d(threads, 256))?;
    match pass {
        ConvPass::FilterGrad if chunks > 1 => {
            let partial = wrap(out, &[chunks, n])?;
            crate::ops::reshape(&super::reduce::reduce("sum", &partial, &[0], false, DType::F32, Some(0.0))?, &shape)
        }
        _ => wrap(out, &shape),
    }
}

/// How many chunks the filter gradient splits its `rows` output rows of `width` pixels into
/// for `weights` kernel elements: enough threads to fill a device (about 2^17), chunks of at
/// least 256 positions.
fn filter_grad_chunks(weights: usize, rows: usize, width: usize) -> usize {
    const TARGET_THREADS: usize = 1 << 17;
    const MIN_CHUNK: usize = 256;
    let by_length = rows.div_ceil(MIN_CHUNK.div_ceil(width.max(1)));
    let by_threads = TARGET_THREADS.div_ceil(weights.max(1));
    by_length.min(by_threads).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::Device;

    fn seq(n: usize, scale: f32) -> Vec<f32> {
        (0..n).map(|i| ((i * 37 % 101) as f32 - 50.0) * scale).collect()
    }

    fn geometry(batch: usize, groups: usize, stride: usize, dil: usize, pad: usize) -> Conv2dGeometry {
        // 7x6 input, 3x2 kernel; output sizes follow from the padding before and after.
        let (in_h, in_w, k_h, k_w) = (7, 6, 3, 2);
        let out = |n: usize, k: usize| (n + 2 * pad - ((k - 1) * dil + 1)) / stride + 1;
        Conv2dGeometry {
            batch,
            in_h,
            in_w,
            in_c: 2 * groups,
            out_h: out(in_h, k_h),
            out_w: out(in_w, k_w),
            out_c: 3 * groups,
            k_h,
            k_w,
            stride_h: stride,
            stride_w: stride,
            dil_h: dil,
            dil_w: dil,
            pad_top: pad,
            pad_left: pad,
            groups,
        }
    }

    fn close(a: &[f32], b: &[f32]) {
        assert_eq!(a.len(), b.len());
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            assert!((x - y).abs() <= 1e-4 * (1.0 + y.abs()), "element {i}: gpu {x} vs cpu {y}");
        }
    }

    /// Each pass against the cpu kernels, over groups, strides, dilation and padding; the last
    /// batch is big enough that the filter gradient sums its positions in several chunks.
    #[test]
    fn every_pass_matches_the_cpu_kernels() {
        if !super::super::is_available() {
            eprintln!("skipped: no GPU adapter");
            return;
        }
        for (batch, groups, stride, dil, pad) in [(2, 1, 1, 1, 0), (2, 1, 2, 1, 1), (2, 3, 1, 2, 1), (2, 2, 3, 1, 2), (64, 2, 1, 1, 1)] {
            let g = geometry(batch, groups, stride, dil, pad);
            assert_eq!(filter_grad_chunks(g.kernel_len(), g.batch * g.out_h, g.out_w) > 1, batch == 64);
            let x = seq(g.input_len(), 0.01);
            let w = seq(g.kernel_len(), 0.02);
            let dy = seq(g.output_len(), 0.03);
            let t = |v: &[f32], s: &[usize]| Tensor::from_vec(v.to_vec(), s).unwrap().to(Device::Gpu).unwrap();
            let (xs, ws, ys) = ([g.batch, g.in_h, g.in_w, g.in_c], [g.k_h, g.k_w, g.group_in(), g.out_c], [g.batch, g.out_h, g.out_w, g.out_c]);
            let run = |pass, a: &[f32], sa: &[usize], b: &[f32], sb: &[usize]| {
                conv2d(pass, "conv", &t(a, sa), &t(b, sb), DType::F32, &g).unwrap().to_vec::<f32>().unwrap()
            };
            close(&run(ConvPass::Forward, &x, &xs, &w, &ws), &crate::cpu::conv::conv2d_forward(&x, &w, &g).unwrap());
            close(&run(ConvPass::InputGrad, &dy, &ys, &w, &ws), &crate::cpu::conv::conv2d_input_grad(&dy, &w, &g).unwrap());
            close(&run(ConvPass::FilterGrad, &x, &xs, &dy, &ys), &crate::cpu::conv::conv2d_filter_grad(&x, &dy, &g).unwrap());
        }
    }
}
