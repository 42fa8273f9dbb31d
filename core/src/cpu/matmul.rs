//! Matrix multiply kernels. `gemm` computes C = A @ B for strided row-major views.

/// c[m x n] (contiguous, overwritten) = a[m x k] @ b[k x n], where element (i, j) of a is at
/// a[i * rsa + j * csa] (likewise b).
#[allow(clippy::too_many_arguments)]
pub fn gemm<T>(m: usize, n: usize, k: usize, a: &[T], rsa: isize, csa: isize, b: &[T], rsb: isize, csb: isize, c: &mut [T])
where
    T: Copy + Default + std::ops::Add<Output = T> + std::ops::Mul<Output = T>,
{
    for x in c.iter_mut() {
        *x = T::default();
    }
    for i in 0..m {
        let crow = &mut c[i * n..(i + 1) * n];
        for p in 0..k {
            let av = a[(i as isize * rsa + p as isize * csa) as usize];
            let brow = p as isize * rsb;
            if csb == 1 {
                let bs = &b[brow as usize..brow as usize + n];
                for (cv, &bv) in crow.iter_mut().zip(bs) {
                    *cv = *cv + av * bv;
                }
            } else {
                for (j, cv) in crow.iter_mut().enumerate() {
                    *cv = *cv + av * b[(brow + j as isize * csb) as usize];
                }
            }
        }
    }
}
