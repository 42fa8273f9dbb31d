//! GPU arms of 2-D channels-last pooling (`shaders/pool.wgsl`): max pooling of float32 and
//! int32 data, average pooling of float32 data, and both gradients. 1-D pooling arrives here
//! as 2-D with height 1 (`ops::pool`).

use crate::cpu::pool::Pool2dGeometry;
use crate::dtype::DType;
use crate::error::Result;
use crate::tensor::Tensor;

use super::buffer::GpuBuffer;
use super::context::{gpu, Arg};
use super::{buf, kind, operand, unsupported, wrap, Params};

const SHADER: &str = include_str!("shaders/pool.wgsl");

fn shape_of(g: &Pool2dGeometry, input: bool) -> [usize; 4] {
    if input {
        [g.batch, g.in_h, g.in_w, g.channels]
    } else {
        [g.batch, g.out_h, g.out_w, g.channels]
    }
}

/// The parameter block shared by every entry (offsets of x / y / dy last).
fn params(n: usize, g: &Pool2dGeometry, kind: u32, offsets: [usize; 3], op: &str) -> Result<Params> {
    let dims = [g.batch, g.in_h, g.in_w, g.channels, g.out_h, g.out_w, g.k_h, g.k_w, g.stride_h, g.stride_w, g.pad_top, g.pad_left];
    if n > u32::MAX as usize || g.input_len() > u32::MAX as usize || dims.iter().any(|&d| d > i32::MAX as usize) {
        return Err(unsupported(op, &format!("pooling this large ({g:?})")));
    }
    let mut p = Params::default();
    p.u(n as u32);
    for d in dims {
        p.u(d as u32);
    }
    p.u(kind);
    for o in offsets {
        p.u(o as u32);
    }
    Ok(p)
}

/// A contiguous gpu operand of `t` in `dtype` (a cast when it differs).
fn contiguous_as(op: &str, t: &Tensor, dtype: DType) -> Result<Tensor> {
    let t = operand(op, t)?;
    if t.dtype() == dtype {
        t.contiguous()
    } else {
        super::copy::cast(&t, dtype, op)
    }
}

fn launch(entry: &'static str, p: &Params, reads: &[&Tensor], out: &GpuBuffer, n: usize) -> Result<()> {
    let g = gpu()?;
    let mut args = vec![Arg::Read(buf(reads[0])?.raw()), Arg::Write(out.raw())];
    for t in &reads[1..] {
        args.push(Arg::Read(buf(t)?.raw()));
    }
    g.launch(SHADER, entry, &p.0, &args, g.groups_1d(n, 256))
}

/// Max pooling of float32 or int32 `x` (N, H, W, C) on the gpu.
pub(crate) fn max_pool(op: &str, x: &Tensor, g: &Pool2dGeometry) -> Result<Tensor> {
    let k = kind(x.dtype(), op)?;
    if x.dtype() == DType::Bool {
        return Err(unsupported(op, "bool max pooling"));
    }
    let xc = contiguous_as(op, x, x.dtype())?;
    let n = g.output_len();
    let out = GpuBuffer::alloc(x.dtype(), n, false, op)?;
    if n > 0 && g.input_len() > 0 {
        launch("pool_max", &params(n, g, k, [xc.layout().offset(), 0, 0], op)?, &[&xc], &out, n)?;
    }
    wrap(out, &shape_of(g, false))
}

/// Average pooling of float32 `x` on the gpu.
pub(crate) fn average_pool(op: &str, x: &Tensor, g: &Pool2dGeometry) -> Result<Tensor> {
    kind(x.dtype(), op)?;
    let xc = contiguous_as(op, x, DType::F32)?;
    let n = g.output_len();
    let out = GpuBuffer::alloc(DType::F32, n, false, op)?;
    if n > 0 && g.input_len() > 0 {
        launch("pool_avg", &params(n, g, 0, [xc.layout().offset(), 0, 0], op)?, &[&xc], &out, n)?;
    }
    wrap(out, &shape_of(g, false))
}

/// The gradient of max pooling: each output gradient goes to the first cell of its window that
/// holds the maximum, found again from the forward's input `x` and output `y`.
pub(crate) fn max_pool_backward(x: &Tensor, y: &Tensor, dy: &Tensor, g: &Pool2dGeometry) -> Result<Tensor> {
    const OP: &str = "max_pool";
    if x.dtype() != DType::F32 {
        kind(x.dtype(), OP)?;
        return Err(unsupported(OP, &format!("the gradient of {} max pooling", x.dtype())));
    }
    let (xc, yc, dc) = (contiguous_as(OP, x, DType::F32)?, contiguous_as(OP, y, DType::F32)?, contiguous_as(OP, dy, DType::F32)?);
    let n = g.input_len();
    let out = GpuBuffer::alloc(DType::F32, n, false, OP)?;
    if n > 0 && g.output_len() > 0 {
        let p = params(n, g, 0, [xc.layout().offset(), yc.layout().offset(), dc.layout().offset()], OP)?;
        launch("pool_max_grad", &p, &[&xc, &yc, &dc], &out, n)?;
    } else if n > 0 {
        return super::copy::full(&shape_of(g, true), 0.0, DType::F32);
    }
    wrap(out, &shape_of(g, true))
}

/// The gradient of average pooling: each output gradient spread evenly over its window's cells.
pub(crate) fn average_pool_backward(dy: &Tensor, g: &Pool2dGeometry) -> Result<Tensor> {
    const OP: &str = "average_pool";
    kind(dy.dtype(), OP)?;
    let dc = contiguous_as(OP, dy, DType::F32)?;
    let n = g.input_len();
    let out = GpuBuffer::alloc(DType::F32, n, false, OP)?;
    if n > 0 && g.output_len() > 0 {
        launch("pool_avg_grad", &params(n, g, 0, [dc.layout().offset(), 0, 0], OP)?, &[&dc], &out, n)?;
    } else if n > 0 {
        return super::copy::full(&shape_of(g, true), 0.0, DType::F32);
    }
    wrap(out, &shape_of(g, true))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::Device;

    fn seq(n: usize) -> Vec<f32> {
        // Repeats values, so windows hold ties and the first maximum matters.
        (0..n).map(|i| ((i * 37 % 23) as f32 - 11.0) * 0.5).collect()
    }

    fn geometry(k: usize, stride: usize, pad: usize, same: bool) -> Pool2dGeometry {
        let (in_h, in_w) = (5, 6);
        let out = |n: usize| if same { n.div_ceil(stride) } else { (n - k) / stride + 1 };
        Pool2dGeometry { batch: 2, in_h, in_w, channels: 3, out_h: out(in_h), out_w: out(in_w), k_h: k, k_w: k, stride_h: stride, stride_w: stride, pad_top: pad, pad_left: pad }
    }

    /// Every entry against the cpu kernels, with ties, "valid" and clipped "same" windows.
    #[test]
    fn every_entry_matches_the_cpu_kernels() {
        if !super::super::is_available() {
            eprintln!("skipped: no GPU adapter");
            return;
        }
        for g in [geometry(2, 2, 0, false), geometry(3, 1, 1, true), geometry(3, 2, 1, true), geometry(1, 3, 0, false)] {
            let x = seq(g.input_len());
            let dy: Vec<f32> = (0..g.output_len()).map(|i| i as f32 * 0.25 - 3.0).collect();
            let t = |v: &[f32], input: bool| Tensor::from_vec(v.to_vec(), &shape_of(&g, input)).unwrap().to(Device::Gpu).unwrap();
            let (xt, dt) = (t(&x, true), t(&dy, false));
            let y = crate::cpu::pool::max_pool2d(&x, &g).unwrap();
            assert_eq!(max_pool("max_pool", &xt, &g).unwrap().to_vec::<f32>().unwrap(), y);
            assert_eq!(max_pool_backward(&xt, &t(&y, false), &dt, &g).unwrap().to_vec::<f32>().unwrap(), crate::cpu::pool::max_pool2d_backward(&x, &y, &dy, &g).unwrap());
            let close = |a: Vec<f32>, b: Vec<f32>| {
                for (u, v) in a.iter().zip(&b) {
                    assert!((u - v).abs() <= 1e-5 * (1.0 + v.abs()), "gpu {u} vs cpu {v}");
                }
            };
            close(average_pool("average_pool", &xt, &g).unwrap().to_vec::<f32>().unwrap(), crate::cpu::pool::avg_pool2d(&x, &g).unwrap());
            close(average_pool_backward(&dt, &g).unwrap().to_vec::<f32>().unwrap(), crate::cpu::pool::avg_pool2d_backward(&dy, &g).unwrap());
            let xi: Vec<i32> = x.iter().map(|&v| (v * 2.0) as i32).collect();
            let xit = Tensor::from_vec(xi.clone(), &shape_of(&g, true)).unwrap().to(Device::Gpu).unwrap();
            assert_eq!(max_pool("max_pool", &xit, &g).unwrap().to_vec::<i32>().unwrap(), crate::cpu::pool::max_pool2d(&xi, &g).unwrap());
        }
    }
}
