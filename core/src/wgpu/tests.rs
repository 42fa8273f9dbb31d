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
