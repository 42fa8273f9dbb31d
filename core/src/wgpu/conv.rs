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
    let out = GpuBuffer::alloc(DType::F32, n, false, op)?;
    let gp = gpu()?;
    // The filter gradient gives each kernel element a workgroup; the others a thread.
    let groups = match pass {
        ConvPass::FilterGrad => gp.groups_1d(n, 1),
        _ => gp.groups_1d(n, 256),
    };
    gp.launch(SHADER, pass.entry(), &p.0, &[Arg::Read(buf(&a)?.raw()), Arg::Read(buf(&b)?.raw()), Arg::Write(out.raw())], groups)?;
    wrap(out, &shape)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::Device;

    fn seq(n: usize, scale: f32) -> Vec<f32> {
        (0..n).map(|i| ((i * 37 % 101) as f32 - 50.0) * scale).collect()
    }

    fn geometry(groups: usize, stride: usize, dil: usize, pad: usize) -> Conv2dGeometry {
        // 7x6 input, 3x2 kernel; output sizes follow from the padding before and after.
        let (in_h, in_w, k_h, k_w) = (7, 6, 3, 2);
        let out = |n: usize, k: usize| (n + 2 * pad - ((k - 1) * dil + 1)) / stride + 1;
        Conv2dGeometry {
            batch: 2,
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

    /// Each pass against the cpu kernels, over groups, strides, dilation and padding.
    #[test]
    fn every_pass_matches_the_cpu_kernels() {
        if !super::super::is_available() {
            eprintln!("skipped: no GPU adapter");
            return;
        }
        for (groups, stride, dil, pad) in [(1, 1, 1, 0), (1, 2, 1, 1), (3, 1, 2, 1), (2, 3, 1, 2)] {
            let g = geometry(groups, stride, dil, pad);
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
