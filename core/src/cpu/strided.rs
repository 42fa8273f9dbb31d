//! Walking strided operands row by row. Kernels hand the innermost row (length and per-operand
//! stride) to a closure, so the common stride-1 / stride-0 rows run as tight loops.

/// Merges adjacent axes that every operand traverses as one (stride[i] == stride[i+1] * size[i+1])
/// and drops size-1 axes. Returns the merged shape and per-operand strides.
pub fn coalesce(shape: &[usize], strides: &[&[isize]]) -> (Vec<usize>, Vec<Vec<isize>>) {
    let mut out_shape: Vec<usize> = Vec::with_capacity(shape.len());
    let mut out_strides: Vec<Vec<isize>> = vec![Vec::with_capacity(shape.len()); strides.len()];
    for ax in 0..shape.len() {
        let d = shape[ax];
        if d == 1 {
            continue;
        }
        let mergeable = !out_shape.is_empty()
            && strides.iter().zip(&out_strides).all(|(s, os)| os.last().copied() == Some(s[ax] * d as isize));
        if mergeable {
            *out_shape.last_mut().unwrap_or(&mut 0) *= d;
            for (s, os) in strides.iter().zip(out_strides.iter_mut()) {
                if let Some(l) = os.last_mut() {
                    *l = s[ax];
                }
            }
        } else {
            out_shape.push(d);
            for (s, os) in strides.iter().zip(out_strides.iter_mut()) {
                os.push(s[ax]);
            }
        }
    }
    (out_shape, out_strides)
}

/// Calls `f(row_index, bases, inner_len, inner_strides)` for every innermost row of a shape
/// walked by several strided operands starting at `offsets`. `row_index` counts rows in C
/// order, so `row_index * inner_len` is the row's start in a contiguous output.
pub fn for_each_row<const N: usize>(
    shape: &[usize],
    strides: [&[isize]; N],
    offsets: [usize; N],
    mut f: impl FnMut(usize, [isize; N], usize, [isize; N]),
) {
    let (shape, strides) = coalesce(shape, &strides);
    if shape.iter().any(|&d| d == 0) {
        return;
    }
    let mut bases: [isize; N] = offsets.map(|o| o as isize);
    if shape.is_empty() {
        f(0, bases, 1, [0; N]);
        return;
    }
    let last = shape.len() - 1;
    let inner = shape[last];
    let inner_strides: [isize; N] = std::array::from_fn(|k| strides[k][last]);
    let outer: usize = shape[..last].iter().product();
    let mut idx = vec![0usize; last];
    for row in 0..outer {
        f(row, bases, inner, inner_strides);
        // Advance the outer multi-index.
        let mut ax = last;
        while ax > 0 {
            ax -= 1;
            idx[ax] += 1;
            for k in 0..N {
                bases[k] += strides[k][ax];
            }
            if idx[ax] < shape[ax] {
                break;
            }
            for k in 0..N {
                bases[k] -= strides[k][ax] * shape[ax] as isize;
            }
            idx[ax] = 0;
        }
    }
}
