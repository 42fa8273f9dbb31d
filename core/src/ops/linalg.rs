//! Linear algebra: matmul (batched, broadcasting, numpy's 1-D rules).

use crate::autograd::{needs_grad, record1};
use crate::cpu::matmul::gemm;
use crate::error::Result;
use crate::layout::broadcast_shapes;
use crate::ops::dispatch::sum_to_shape;
use crate::ops::elementwise::{arith_dtype, cast_untracked};
use crate::ops::shape::{expand_dims, squeeze};
use crate::storage::{try_vec, BufferElement};
use crate::tensor::Tensor;
use crate::{dispatch_numeric, dtype_err, shape_err};

/// Swaps the last two axes (a view).
pub fn transpose_last2(x: &Tensor) -> Result<Tensor> {
    let r = x.rank() as isize;
    let mut perm: Vec<isize> = (0..r).collect();
    perm.swap((r - 1) as usize, (r - 2) as usize);
    crate::ops::shape::transpose(x, Some(&perm))
}

/// `matmul(x1, x2)` with numpy semantics: 1-D operands gain a unit axis that is removed from
/// the result; leading (batch) axes broadcast.
pub fn matmul(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    if a.rank() == 0 || b.rank() == 0 {
        return Err(shape_err!("matmul: operands must have at least one axis, got shapes {:?} and {:?}", a.shape(), b.shape()));
    }
    match (a.rank(), b.rank()) {
        (1, 1) => squeeze(&matmul_nd(&expand_dims(a, 0)?, &expand_dims(b, 1)?)?, None),
        (1, _) => squeeze(&matmul_nd(&expand_dims(a, 0)?, b)?, Some(&[-2])),
        (_, 1) => squeeze(&matmul_nd(a, &expand_dims(b, 1)?)?, Some(&[-1])),
        _ => matmul_nd(a, b),
    }
}

/// Batched matmul of operands with rank >= 2.
fn matmul_nd(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let (ra, rb) = (a.rank(), b.rank());
    let (m, k) = (a.shape()[ra - 2], a.shape()[ra - 1]);
    let (k2, n) = (b.shape()[rb - 2], b.shape()[rb - 1]);
    if k != k2 {
        return Err(shape_err!(
            "matmul: the last axis of the first operand ({k}) must equal the second-to-last axis of the second ({k2}); shapes {:?} and {:?}",
            a.shape(),
            b.shape()
        ));
    }
    let batch = broadcast_shapes(&a.shape()[..ra - 2], &b.shape()[..rb - 2], "matmul")?;
    let mut out_shape = batch.clone();
    out_shape.extend([m, n]);
    let dt = arith_dtype(a.dtype(), b.dtype());
    let (ac, bc) = (cast_untracked(a, dt)?, cast_untracked(b, dt)?);
    let mut ashape = batch.clone();
    ashape.extend([m, k]);
    let mut bshape = batch.clone();
    bshape.extend([k, n]);
    let la = ac.layout().broadcast_to(&ashape, "matmul")?;
    let lb = bc.layout().broadcast_to(&bshape, "matmul")?;
    let nb: usize = batch.iter().product();
    let bbuf = bc.cpu_buffer()?;
    let out = dispatch_numeric!(ac.cpu_buffer()?, T, x => {
        let y = <T as BufferElement>::slice(bbuf).ok_or_else(|| dtype_err!("matmul: dtype mismatch"))?;
        let mut c: Vec<T> = try_vec(nb * m * n, <T as crate::dtype::Element>::zero())?;
        let (sa, sb) = (la.strides(), lb.strides());
        let bl = batch.len();
        let mut idx = vec![0usize; bl];
        for bi in 0..nb {
            let oa: isize = la.offset() as isize + (0..bl).map(|d| idx[d] as isize * sa[d]).sum::<isize>();
            let ob: isize = lb.offset() as isize + (0..bl).map(|d| idx[d] as isize * sb[d]).sum::<isize>();
            gemm(m, n, k, &x[oa as usize..], sa[bl], sa[bl + 1], &y[ob as usize..], sb[bl], sb[bl + 1], &mut c[bi * m * n..(bi + 1) * m * n]);
            for d in (0..bl).rev() {
                idx[d] += 1;
                if idx[d] < batch[d] { break; }
                idx[d] = 0;
            }
        }
        <T as BufferElement>::wrap(c)
    }, bool => unreachable!("arith_dtype never gives bool"));
    let out = Tensor::from_buffer(out, &out_shape)?;
    if !needs_grad(&[a, b]) {
        return Ok(out);
    }
    let (ad, bd) = (a.detach(), b.detach());
    Ok(record1("matmul", &[a, b], out, move |g, need| {
        Ok(vec![
            if need[0] { Some(sum_to_shape(&matmul_nd(g, &transpose_last2(&bd)?)?, ad.shape())?) } else { None },
            if need[1] { Some(sum_to_shape(&matmul_nd(&transpose_last2(&ad)?, g)?, bd.shape())?) } else { None },
        ])
    }))
}
