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
        Rule::Ftrl => return Err(unsupported("optimizer update", "the ftrl rule")),
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
