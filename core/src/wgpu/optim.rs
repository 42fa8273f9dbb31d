//! GPU arm of the fused optimizer update: one launch per parameter updates it and its slots in
//! place (copy-on-write first when the storage is shared, as on the host).

use std::sync::{Arc, OnceLock};

use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::optim::Rule;
use crate::storage::Storage;
use crate::tensor::Tensor;

use super::buffer::GpuBuffer;
use super::context::{gpu, Arg};
use super::{buf, operand, unsupported, Params};

/// Makes `t` the only owner of a dense buffer of its own, copying when needed.
fn make_unique(t: &mut Tensor) -> Result<()> {
    let dense = t.is_contiguous() && t.layout().offset() == 0 && t.storage().len() == t.numel();
    if dense && Arc::strong_count(t.storage()) == 1 {
        return Ok(());
    }
    let c = super::copy::cast(t, t.dtype(), "optimizer update")?;
    let layout = c.layout().clone();
    t.set_storage(c.storage().clone(), layout);
    Ok(())
}

fn rule_code(rule: Rule) -> Result<u32> {
    Ok(match rule {
        Rule::Sgd => 0,
        Rule::Adam => 1,
        Rule::RmsProp => 2,
        Rule::Adagrad => 3,
        Rule::Adadelta => 4,
        Rule::Adamax => 5,
        Rule::Nadam => 6,
        Rule::Ftrl => 7,
    })
}

/// Placeholder buffers bound to the slot bindings a rule does not use.
fn spare() -> Result<&'static [GpuBuffer; 3]> {
    static SPARE: OnceLock<std::result::Result<[GpuBuffer; 3], Error>> = OnceLock::new();
    SPARE
        .get_or_init(|| Ok([GpuBuffer::alloc(DType::F32, 1, false, "optimizer")?, GpuBuffer::alloc(DType::F32, 1, false, "optimizer")?, GpuBuffer::alloc(DType::F32, 1, false, "optimizer")?]))
        .as_ref()
        .map_err(|e| e.clone())
}

/// One parameter's update (shapes and dtypes already checked by `optim::apply`).
pub(crate) fn update(rule: Rule, p: &mut Tensor, g: &Tensor, slots: &mut [&mut Tensor], hyper: &[f64]) -> Result<()> {
    const OP: &str = "optimizer update";
    if p.dtype() != DType::F32 {
        return Err(unsupported(OP, &format!("a {} variable", p.dtype())));
    }
    let code = rule_code(rule)?;
    let g = crate::ops::elementwise::cast_untracked(&*operand(OP, g)?, DType::F32)?.contiguous()?;
    make_unique(p)?;
    for s in slots.iter_mut() {
        if !s.device().is_gpu() {
            return Err(super::mixed(OP, p.device(), s.device()));
        }
        make_unique(s)?;
    }
    let n = p.numel();
    let mut params = Params::default();
    params.u(n as u32).u(code).u(slots.len() as u32);
    for k in 0..12 {
        params.f(hyper.get(k).copied().unwrap_or(0.0));
    }
    // The update must not see a gradient that aliases the parameter (x -= x).
    let g = if Arc::ptr_eq(g.storage(), p.storage()) { super::copy::contiguous(&g.with_layout(crate::layout::Layout::new(vec![n], vec![1], 0))?)? } else { g };
    let spare = spare()?;
    let slot_buf = |i: usize| -> Result<&::wgpu::Buffer> {
        match slots.get(i) {
            Some(s) => match s.storage().as_ref() {
                Storage::Gpu(b) => Ok(b.raw()),
                Storage::Cpu(_) => Err(super::mixed(OP, crate::device::Device::Gpu, crate::device::Device::Cpu)),
            },
            None => Ok(spare[i].raw()),
        }
    };
    let (s0, s1, s2) = (slot_buf(0)?, slot_buf(1)?, slot_buf(2)?);
    let gb = buf(&g)?;
    if g.layout().offset() != 0 {
        return Err(Error::Device("optimizer update: internal: gradient view with an offset".into()));
    }
    let pg = gpu()?;
    pg.launch(
        include_str!("shaders/optim.wgsl"),
        "optimizer_update",
        &params.0,
        &[Arg::Write(buf(p)?.raw()), Arg::Read(gb.raw()), Arg::Write(s0), Arg::Write(s1), Arg::Write(s2)],
        pg.groups_1d(n, 256),
    )
}

#[cfg(test)]
mod tests {
    use crate::device::Device;
    use crate::optim::{apply, Rule};
    use crate::tensor::Tensor;

    fn seq(n: usize, scale: f32, shift: usize) -> Vec<f32> {
        (0..n).map(|i| (((i + shift) * 37 % 101) as f32 - 50.0) * scale).collect()
    }

    #[test]
    fn ftrl_update_matches_cpu_in_place() {
        if !super::super::is_available() {
            eprintln!("skipped: no GPU adapter");
            return;
        }
        let n = 300;
        let w0 = Tensor::from_vec(seq(n, 0.01, 0), &[n]).unwrap();
        let acc0 = Tensor::full(&[n], 0.1, crate::DType::F32).unwrap();
        let lin0 = Tensor::zeros(&[n], crate::DType::F32).unwrap();
        // lr, lr_power, l1, l2 (with beta / (2 lr)), l2_shrinkage: every term in play, and
        // lr_power 0 (a constant learning rate) too.
        for h in [[0.05, -0.5, 0.01, 0.02 + 0.1 / (2.0 * 0.05), 0.03], [0.1, 0.0, 0.0, 0.0, 0.0]] {
            let (mut wc, mut ac, mut lc) = (w0.clone(), acc0.clone(), lin0.clone());
            let (mut wg, mut ag, mut lg) = (w0.to(Device::Gpu).unwrap(), acc0.to(Device::Gpu).unwrap(), lin0.to(Device::Gpu).unwrap());
            for step in 0..3 {
                let g = Tensor::from_vec(seq(n, 0.02, step), &[n]).unwrap();
                apply(Rule::Ftrl, &mut [&mut wc], &[Some(g.clone())], &mut [vec![&mut ac, &mut lc]], &h).unwrap();
                apply(Rule::Ftrl, &mut [&mut wg], &[Some(g.to(Device::Gpu).unwrap())], &mut [vec![&mut ag, &mut lg]], &h).unwrap();
            }
            assert_eq!(wg.device(), Device::Gpu);
            for (gpu, cpu) in [(&wg, &wc), (&ag, &ac), (&lg, &lc)] {
                let (a, b) = (gpu.to_vec::<f32>().unwrap(), cpu.to_vec::<f32>().unwrap());
                for (i, (x, y)) in a.iter().zip(&b).enumerate() {
                    assert!((x - y).abs() <= 1e-5 * (1.0 + y.abs()), "element {i}: gpu {x} vs cpu {y} (hyper {h:?})");
                }
            }
        }
    }
}
