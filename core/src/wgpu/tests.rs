//! Kernel-level checks of the GPU backend against the CPU backend. Each test is skipped (with
//! a note on stderr) when no adapter exists.

use crate::device::Device;
use crate::ops;
use crate::tensor::Tensor;

fn gpu_or_skip() -> bool {
    if super::is_available() {
        return true;
    }
    eprintln!("skipped: no GPU adapter (install a Vulkan ICD such as mesa-vulkan-drivers)");
    false
}

fn seq(n: usize, scale: f32) -> Vec<f32> {
    (0..n).map(|i| ((i * 37 % 101) as f32 - 50.0) * scale).collect()
}

fn close(a: &[f32], b: &[f32], tol: f32) {
    assert_eq!(a.len(), b.len());
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        let ok = (x - y).abs() <= tol * (1.0 + y.abs()) || (x.is_nan() && y.is_nan());
        assert!(ok, "element {i}: gpu {x} vs cpu {y}");
    }
}

#[test]
fn round_trip_every_dtype() {
    if !gpu_or_skip() {
        return;
    }
    let f = Tensor::from_vec(seq(1000, 0.5), &[10, 100]).unwrap();
    assert_eq!(f.to(Device::Gpu).unwrap().to(Device::Cpu).unwrap().to_vec::<f32>().unwrap(), f.to_vec::<f32>().unwrap());
    let i = Tensor::from_vec(vec![-3i64, 1 << 40, 7], &[3]).unwrap();
    assert_eq!(i.to(Device::Gpu).unwrap().to_vec::<i64>().unwrap(), vec![-3, 1 << 40, 7]);
    let b = Tensor::from_vec(vec![1u8, 0, 1], &[3]).unwrap();
    assert_eq!(b.to(Device::Gpu).unwrap().to_vec::<u8>().unwrap(), vec![1, 0, 1]);
    let d = Tensor::from_vec(vec![1.0f64], &[1]).unwrap();
    assert!(d.to(Device::Gpu).is_err());
}

#[test]
fn binary_broadcast_and_views_match_cpu() {
    if !gpu_or_skip() {
        return;
    }
    let a = Tensor::from_vec(seq(12, 0.25), &[3, 4]).unwrap();
    let b = Tensor::from_vec(seq(4, 0.5), &[4]).unwrap();
    let at = ops::transpose(&Tensor::from_vec(seq(12, 0.1), &[4, 3]).unwrap(), None).unwrap();
    let (ga, gb, gat) = (a.to(Device::Gpu).unwrap(), b.to(Device::Gpu).unwrap(), at.to(Device::Gpu).unwrap());
    for (cpu, gpu) in [
        (ops::add(&a, &b).unwrap(), ops::add(&ga, &gb).unwrap()),
        (ops::multiply(&at, &a).unwrap(), ops::multiply(&gat, &ga).unwrap()),
        (ops::maximum(&at, &b).unwrap(), ops::maximum(&gat, &gb).unwrap()),
        (ops::tanh(&at).unwrap(), ops::tanh(&gat).unwrap()),
        (ops::sigmoid(&a).unwrap(), ops::sigmoid(&ga).unwrap()),
    ] {
        assert_eq!(gpu.device(), Device::Gpu);
        close(&gpu.to_vec::<f32>().unwrap(), &cpu.to_vec::<f32>().unwrap(), 1e-6);
    }
}

#[test]
fn mixed_devices_are_an_error_naming_both() {
    if !gpu_or_skip() {
        return;
    }
    let a = Tensor::from_vec(seq(4, 1.0), &[4]).unwrap();
    let g = a.to(Device::Gpu).unwrap();
    let e = ops::add(&g, &a).unwrap_err().to_string();
    assert!(e.contains("add") && e.contains("gpu") && e.contains("cpu"), "{e}");
    // 0-d cpu tensors (scalars) are welcome
    let s = ops::add(&g, &Tensor::scalar(1.0f32)).unwrap();
    close(&s.to_vec::<f32>().unwrap(), &ops::add(&a, &Tensor::scalar(1.0f32)).unwrap().to_vec::<f32>().unwrap(), 0.0);
}

fn both(t: &Tensor) -> (Tensor, Tensor) {
    (t.clone(), t.to(Device::Gpu).unwrap())
}

#[test]
fn matmul_tiles_edges_transposes_and_batches() {
    if !gpu_or_skip() {
        return;
    }
    for (m, k, n) in [(1, 1, 1), (5, 7, 3), (64, 64, 64), (70, 33, 130), (128, 17, 65)] {
        let (a, ga) = both(&Tensor::from_vec(seq(m * k, 0.01), &[m, k]).unwrap());
        let (b, gb) = both(&Tensor::from_vec(seq(k * n, 0.02), &[k, n]).unwrap());
        close(&ops::matmul(&ga, &gb).unwrap().to_vec::<f32>().unwrap(), &ops::matmul(&a, &b).unwrap().to_vec::<f32>().unwrap(), 1e-5);
        // transposed views of the operands
        let (at, gat) = (ops::transpose(&b, None).unwrap(), ops::transpose(&gb, None).unwrap());
        close(&ops::matmul(&gat, &ops::transpose(&ga, None).unwrap()).unwrap().to_vec::<f32>().unwrap(),
              &ops::matmul(&at, &ops::transpose(&a, None).unwrap()).unwrap().to_vec::<f32>().unwrap(), 1e-5);
    }
    let (a, ga) = both(&Tensor::from_vec(seq(2 * 3 * 4 * 5, 0.1), &[2, 3, 4, 5]).unwrap());
    let (b, gb) = both(&Tensor::from_vec(seq(3 * 5 * 6, 0.1), &[3, 5, 6]).unwrap());
    close(&ops::matmul(&ga, &gb).unwrap().to_vec::<f32>().unwrap(), &ops::matmul(&a, &b).unwrap().to_vec::<f32>().unwrap(), 1e-5);
}

#[test]
fn reductions_softmax_and_argmax_match_cpu() {
    if !gpu_or_skip() {
        return;
    }
    let (x, gx) = both(&Tensor::from_vec(seq(6 * 70 * 5, 0.03), &[6, 70, 5]).unwrap());
    for axes in [None, Some(vec![0isize]), Some(vec![1]), Some(vec![2]), Some(vec![0, 2])] {
        let a = axes.as_deref();
        close(&ops::sum(&gx, a, false).unwrap().to_vec::<f32>().unwrap(), &ops::sum(&x, a, false).unwrap().to_vec::<f32>().unwrap(), 1e-5);
        close(&ops::mean(&gx, a, true).unwrap().to_vec::<f32>().unwrap(), &ops::mean(&x, a, true).unwrap().to_vec::<f32>().unwrap(), 1e-5);
        close(&ops::max(&gx, a, false, None).unwrap().to_vec::<f32>().unwrap(), &ops::max(&x, a, false, None).unwrap().to_vec::<f32>().unwrap(), 0.0);
    }
    for axis in [0isize, 1, 2] {
        close(&ops::softmax(&gx, &[axis]).unwrap().to_vec::<f32>().unwrap(), &ops::softmax(&x, &[axis]).unwrap().to_vec::<f32>().unwrap(), 1e-5);
        close(&ops::log_softmax(&gx, &[axis]).unwrap().to_vec::<f32>().unwrap(), &ops::log_softmax(&x, &[axis]).unwrap().to_vec::<f32>().unwrap(), 1e-5);
        assert_eq!(ops::argmax(&gx, Some(axis), false).unwrap().to_vec::<i32>().unwrap(), ops::argmax(&x, Some(axis), false).unwrap().to_vec::<i32>().unwrap());
    }
}

#[test]
fn fused_linear_forward_and_gradients_match_cpu() {
    if !gpu_or_skip() {
        return;
    }
    use crate::autograd::{gradient, track_leaf};
    use crate::ops::FusedActivation;
    let _rec = crate::autograd::RecordingGuard::start();
    let x = track_leaf(&Tensor::from_vec(seq(9 * 13, 0.05), &[9, 13]).unwrap());
    let w = track_leaf(&Tensor::from_vec(seq(13 * 7, 0.03), &[13, 7]).unwrap());
    let b = track_leaf(&Tensor::from_vec(seq(7, 0.1), &[7]).unwrap());
    let gxs: Vec<Tensor> = [&x, &w, &b].iter().map(|t| track_leaf(&t.to(Device::Gpu).unwrap())).collect();
    let run = |x: &Tensor, w: &Tensor, b: &Tensor| {
        let y = ops::fused_linear(x, w, Some(b), FusedActivation::Relu).unwrap();
        let l = ops::sum(&ops::square(&y).unwrap(), None, false).unwrap();
        let g = gradient(&[l.clone()], None, &[x.clone(), w.clone(), b.clone()], false).unwrap();
        (y, g)
    };
    let (yc, gc) = run(&x, &w, &b);
    let (yg, gg) = run(&gxs[0], &gxs[1], &gxs[2]);
    close(&yg.to_vec::<f32>().unwrap(), &yc.to_vec::<f32>().unwrap(), 1e-5);
    for (c, g) in gc.iter().zip(&gg) {
        let (c, g) = (c.as_ref().unwrap(), g.as_ref().unwrap());
        assert_eq!(g.device(), Device::Gpu);
        close(&g.to_vec::<f32>().unwrap(), &c.to_vec::<f32>().unwrap(), 1e-4);
    }
}

#[test]
fn adam_update_matches_cpu_in_place() {
    if !gpu_or_skip() {
        return;
    }
    use crate::optim::{apply, Rule};
    let w0 = Tensor::from_vec(seq(300, 0.01), &[300]).unwrap();
    let g0 = Tensor::from_vec(seq(300, 0.02), &[300]).unwrap();
    let (mut wc, mut mc, mut vc) = (w0.clone(), Tensor::zeros(&[300], crate::DType::F32).unwrap(), Tensor::zeros(&[300], crate::DType::F32).unwrap());
    let (mut wg, mut mg, mut vg) = (wc.to(Device::Gpu).unwrap(), mc.to(Device::Gpu).unwrap(), vc.to(Device::Gpu).unwrap());
    let h = [0.001, 0.9, 0.999, 1e-7];
    for _ in 0..3 {
        apply(Rule::Adam, &mut [&mut wc], &[Some(g0.clone())], &mut [vec![&mut mc, &mut vc]], &h).unwrap();
        apply(Rule::Adam, &mut [&mut wg], &[Some(g0.to(Device::Gpu).unwrap())], &mut [vec![&mut mg, &mut vg]], &h).unwrap();
    }
    assert_eq!(wg.device(), Device::Gpu);
    close(&wg.to_vec::<f32>().unwrap(), &wc.to_vec::<f32>().unwrap(), 1e-6);
    close(&vg.to_vec::<f32>().unwrap(), &vc.to_vec::<f32>().unwrap(), 1e-6);
}

#[test]
fn take_concatenate_and_casts_match_cpu() {
    if !gpu_or_skip() {
        return;
    }
    let (x, gx) = both(&Tensor::from_vec(seq(5 * 4, 1.0), &[5, 4]).unwrap());
    let (i, gi) = both(&Tensor::from_vec(vec![4i64, 0, -1, 2], &[4]).unwrap());
    close(&ops::take(&gx, &gi, Some(0)).unwrap().to_vec::<f32>().unwrap(), &ops::take(&x, &i, Some(0)).unwrap().to_vec::<f32>().unwrap(), 0.0);
    let (y, gy) = both(&Tensor::from_vec(seq(5 * 2, 1.0), &[5, 2]).unwrap());
    close(&ops::concatenate(&[gx.clone(), gy], 1).unwrap().to_vec::<f32>().unwrap(), &ops::concatenate(&[x.clone(), y], 1).unwrap().to_vec::<f32>().unwrap(), 0.0);
    for d in [crate::DType::I32, crate::DType::Bool, crate::DType::I64] {
        let c = ops::cast(&x, d).unwrap();
        let g = ops::cast(&gx, d).unwrap();
        assert_eq!(ops::cast(&g, crate::DType::F32).unwrap().to_vec::<f32>().unwrap(), ops::cast(&c, crate::DType::F32).unwrap().to_vec::<f32>().unwrap());
    }
}


#[test]
fn a_kernel_given_the_wrong_arguments_fails_at_launch_with_wgpus_reason() {
    if !gpu_or_skip() {
        return;
    }
    use super::buffer::GpuBuffer;
    use super::context::{gpu, Arg};
    // One storage binding besides the parameters, launched with two: a bind group mismatch.
    const SRC: &str = "@group(0) @binding(0) var<storage, read> p: array<u32>;\n\
                       @group(0) @binding(1) var<storage, read_write> o: array<u32>;\n\
                       @compute @workgroup_size(1) fn one_arg(@builtin(global_invocation_id) g: vec3<u32>) { o[g.x] = p[0]; }";
    let (a, b) = (GpuBuffer::alloc(crate::dtype::DType::F32, 4, false, "test").unwrap(), GpuBuffer::alloc(crate::dtype::DType::F32, 4, false, "test").unwrap());
    let g = gpu().unwrap();
    let err = g.launch(SRC, "one_arg", &[1], &[Arg::Write(a.raw()), Arg::Write(b.raw())], [1, 1, 1]).unwrap_err().to_string();
    assert!(err.starts_with("gpu: ") && err.to_lowercase().contains("bind"), "{err}");
    // The error was reported once; the device keeps working.
    let t = Tensor::from_vec(vec![1.0f32, 2.0], &[2]).unwrap().to(Device::Gpu).unwrap();
    assert_eq!(ops::add(&t, &t).unwrap().to_vec::<f32>().unwrap(), vec![2.0, 4.0]);
}
