//! Shape, strides and offset: how a tensor's elements sit in its storage.
//! Every view (reshape, transpose, slice, broadcast, expand_dims) is a new Layout over the
//! same storage; this module is the one place that knows the arithmetic.

use smallvec::SmallVec;

use crate::error::{Error, Result};
use crate::shape_err;

/// Axes stored inline up to this rank: cloning a tensor (done by nearly every op, often
/// several times) then allocates nothing. Higher ranks spill to the heap and still work.
const INLINE_RANK: usize = 6;
type Axes<T> = SmallVec<[T; INLINE_RANK]>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    shape: Axes<usize>,
    /// Strides in elements; 0 for a broadcast axis, negative for a reversed one.
    strides: Axes<isize>,
    offset: usize,
}

/// The most elements a shape may span, counting each size-0 axis as 1 (numpy's rule): byte
/// strides of the widest dtype (8 bytes) then fit an isize, so no stride, offset or element
/// count of any view overflows, and every tensor can be handed to numpy as a view.
pub const MAX_SPAN: usize = isize::MAX as usize / 8;

/// C-order strides into inline storage (the shape's span is at most MAX_SPAN, so no overflow).
fn strides_of(shape: &[usize]) -> Axes<isize> {
    let mut strides: Axes<isize> = SmallVec::from_elem(0, shape.len());
    let mut acc = 1isize;
    for i in (0..shape.len()).rev() {
        strides[i] = acc;
        acc = acc.wrapping_mul(shape[i].max(1) as isize);
    }
    strides
}

/// C-order strides of a shape.
pub fn contiguous_strides(shape: &[usize]) -> Vec<isize> {
    strides_of(shape).into_vec()
}

/// Number of elements of `shape`, or a ValueError naming `op` when the shape spans more than
/// MAX_SPAN elements (even when empty: numpy refuses `zeros((0, 2**62))` too).
pub fn checked_numel(shape: &[usize], op: &str) -> Result<usize> {
    let mut span = 1usize;
    for &d in shape {
        span = span.checked_mul(d.max(1)).filter(|&s| s <= MAX_SPAN).ok_or_else(|| {
            shape_err!("{op}: a tensor of shape {shape:?} is too large: its size (counting empty axes as 1) exceeds {MAX_SPAN} elements")
        })?;
    }
    // numel <= span: it is the span, or 0 when an axis is empty.
    Ok(if shape.contains(&0) { 0 } else { span })
}

/// `a * b` for shape arithmetic, or a ValueError naming `op` and `what` on overflow.
pub fn mul_dims(a: usize, b: usize, op: &str, what: &str) -> Result<usize> {
    a.checked_mul(b).filter(|&v| v <= MAX_SPAN).ok_or_else(|| shape_err!("{op}: {what} ({a} * {b}) is too large"))
}

/// `a + b` for shape arithmetic, or a ValueError naming `op` and `what` on overflow.
pub fn add_dims(a: usize, b: usize, op: &str, what: &str) -> Result<usize> {
    a.checked_add(b).filter(|&v| v <= MAX_SPAN).ok_or_else(|| shape_err!("{op}: {what} ({a} + {b}) is too large"))
}

/// Normalises a possibly negative axis against `rank`.
pub fn normalize_axis(axis: isize, rank: usize, op: &str) -> Result<usize> {
    let r = rank as isize;
    if axis < -r || axis >= r {
        return Err(Error::Axis(format!("{op}: axis {axis} is out of bounds for a tensor of rank {rank}")));
    }
    Ok(if axis < 0 { (axis + r) as usize } else { axis as usize })
}

/// Normalises a list of axes; `None` means every axis. Duplicates are an error.
pub fn normalize_axes(axes: Option<&[isize]>, rank: usize, op: &str) -> Result<Vec<usize>> {
    match axes {
        None => Ok((0..rank).collect()),
        Some(list) => {
            let mut out = Vec::with_capacity(list.len());
            for &a in list {
                if rank == 0 {
                    return Err(Error::Axis(format!("{op}: axis {a} is out of bounds for a tensor of rank 0")));
                }
                let n = normalize_axis(a, rank, op)?;
                if out.contains(&n) {
                    return Err(Error::Axis(format!("{op}: axis {a} is repeated in {list:?}")));
                }
                out.push(n);
            }
            out.sort_unstable();
            Ok(out)
        }
    }
}

/// numpy's broadcasting rule for two shapes.
pub fn broadcast_shapes(a: &[usize], b: &[usize], op: &str) -> Result<Vec<usize>> {
    let n = a.len().max(b.len());
    let mut out = vec![0usize; n];
    for i in 0..n {
        let da = if i + a.len() >= n { a[i + a.len() - n] } else { 1 };
        let db = if i + b.len() >= n { b[i + b.len() - n] } else { 1 };
        out[i] = if da == db || db == 1 {
            da
        } else if da == 1 {
            db
        } else {
            return Err(shape_err!("{op}: shapes {a:?} and {b:?} cannot be broadcast together"));
        };
    }
    // Two addressable shapes can broadcast to one that is not ([2**40, 1] with [1, 2**40]).
    checked_numel(&out, op)?;
    Ok(out)
}

impl Layout {
    pub fn contiguous(shape: &[usize]) -> Layout {
        Layout { strides: strides_of(shape), shape: SmallVec::from_slice(shape), offset: 0 }
    }

    pub fn new(shape: Vec<usize>, strides: Vec<isize>, offset: usize) -> Layout {
        debug_assert_eq!(shape.len(), strides.len());
        Layout { shape: SmallVec::from_slice(&shape), strides: SmallVec::from_slice(&strides), offset }
    }

    /// The same layout starting at another storage offset.
    pub fn with_offset(mut self, offset: usize) -> Layout {
        self.offset = offset;
        self
    }

    pub fn shape(&self) -> &[usize] {
        &self.shape
    }
    pub fn strides(&self) -> &[isize] {
        &self.strides
    }
    pub fn offset(&self) -> usize {
        self.offset
    }
    pub fn rank(&self) -> usize {
        self.shape.len()
    }
    pub fn numel(&self) -> usize {
        self.shape.iter().product()
    }

    /// True when the elements are in C order, densely packed from `offset`.
    pub fn is_contiguous(&self) -> bool {
        // An empty tensor has no elements out of place (its strides may be anything).
        if self.shape.contains(&0) {
            return true;
        }
        let mut expected = 1isize;
        for i in (0..self.shape.len()).rev() {
            if self.shape[i] != 1 && self.strides[i] != expected {
                return false;
            }
            expected *= self.shape[i] as isize;
        }
        true
    }

    /// The start of the dense block when the layout is contiguous.
    pub fn contiguous_offset(&self) -> Option<usize> {
        self.is_contiguous().then_some(self.offset)
    }

    /// A view with `shape`, stretching size-1 (or missing leading) axes with stride 0.
    pub fn broadcast_to(&self, shape: &[usize], op: &str) -> Result<Layout> {
        if shape.len() < self.rank() {
            return Err(shape_err!("{op}: cannot broadcast shape {:?} to {shape:?}", self.shape));
        }
        let lead = shape.len() - self.rank();
        let mut strides: Axes<isize> = SmallVec::from_elem(0, shape.len());
        for i in 0..self.rank() {
            let (have, want) = (self.shape[i], shape[lead + i]);
            strides[lead + i] = if have == want {
                self.strides[i]
            } else if have == 1 {
                0
            } else {
                return Err(shape_err!("{op}: cannot broadcast shape {:?} to {shape:?}", self.shape));
            };
        }
        Ok(Layout { shape: SmallVec::from_slice(shape), strides, offset: self.offset })
    }

    /// Reorders the axes: `perm[i]` is the source axis of output axis i.
    pub fn permute(&self, perm: &[usize]) -> Result<Layout> {
        let r = self.rank();
        let mut seen = vec![false; r];
        if perm.len() != r || perm.iter().any(|&p| p >= r || std::mem::replace(&mut seen[p], true)) {
            return Err(Error::Axis(format!(
                "transpose: axes {perm:?} are not a permutation of the {r} axes of a tensor of shape {:?}",
                self.shape
            )));
        }
        Ok(Layout {
            shape: perm.iter().map(|&p| self.shape[p]).collect(),
            strides: perm.iter().map(|&p| self.strides[p]).collect(),
            offset: self.offset,
        })
    }

    /// A view with a new shape of the same size, when the strides allow one without copying:
    /// each run of output axes must cover a run of input axes whose strides chain like C order.
    /// `None` means a copy is needed.
    pub fn reshape_view(&self, new_shape: &[usize]) -> Option<Layout> {
        if self.is_contiguous() || self.numel() == 0 {
            return Some(Layout::contiguous(new_shape).with_offset(self.offset));
        }
        // Size-1 input axes impose no constraint.
        let (old, old_st): (Vec<usize>, Vec<isize>) =
            self.shape.iter().zip(&self.strides).filter(|(&d, _)| d != 1).map(|(&d, &s)| (d, s)).unzip();
        let n_new = new_shape.len();
        let mut strides: Axes<isize> = SmallVec::from_elem(1, n_new);
        let (mut oi, mut oj, mut ni, mut nj) = (0usize, 1usize, 0usize, 1usize);
        while ni < n_new && oi < old.len() {
            let mut np = new_shape[ni];
            let mut op = old[oi];
            while np != op {
                if np < op {
                    np *= *new_shape.get(nj)?;
                    nj += 1;
                } else {
                    op *= *old.get(oj)?;
                    oj += 1;
                }
            }
            for k in oi..oj - 1 {
                if old_st[k] != old_st[k + 1] * old[k + 1] as isize {
                    return None;
                }
            }
            strides[nj - 1] = old_st[oj - 1];
            for k in (ni + 1..nj).rev() {
                strides[k - 1] = strides[k] * new_shape[k] as isize;
            }
            ni = nj;
            nj += 1;
            oi = oj;
            oj += 1;
        }
        // Trailing size-1 output axes.
        for k in ni..n_new {
            strides[k] = 1;
        }
        Some(Layout { shape: SmallVec::from_slice(new_shape), strides, offset: self.offset })
    }

    /// Basic slice of one axis: `start` (already clamped into range), `len` elements, `step` != 0.
    pub fn slice_axis(&self, axis: usize, start: usize, len: usize, step: isize) -> Layout {
        let mut out = self.clone();
        let off = self.offset as isize + start as isize * self.strides[axis];
        out.offset = if len == 0 { self.offset } else { off as usize };
        out.shape[axis] = len;
        // With 2+ elements |step| < the axis size, so the product stays within the span; a
        // 0- or 1-element axis keeps its stride (any huge step would overflow and not matter).
        if len > 1 {
            out.strides[axis] = self.strides[axis] * step;
        }
        out
    }

    /// Removes `axis` by fixing it at `index`.
    pub fn select(&self, axis: usize, index: usize) -> Layout {
        let mut out = self.clone();
        out.offset = (self.offset as isize + index as isize * self.strides[axis]) as usize;
        out.shape.remove(axis);
        out.strides.remove(axis);
        out
    }

    /// Inserts a size-1 axis at `axis` (0..=rank).
    pub fn insert_axis(&self, axis: usize) -> Layout {
        let mut out = self.clone();
        let stride = if axis < self.rank() { self.strides[axis] * self.shape[axis] as isize } else { 1 };
        out.shape.insert(axis, 1);
        out.strides.insert(axis, stride);
        out
    }

    /// Removes size-1 axes (sorted, each with size 1).
    pub fn remove_axes(&self, axes: &[usize]) -> Layout {
        let mut out = self.clone();
        for &a in axes.iter().rev() {
            out.shape.remove(a);
            out.strides.remove(a);
        }
        out
    }

    /// Calls `f` with the storage offset of every element, in C order of this layout.
    /// Kernels use this for non-contiguous inputs; contiguous ones take the fast path.
    pub fn for_each_offset(&self, mut f: impl FnMut(usize)) {
        let n = self.numel();
        if n == 0 {
            return;
        }
        let r = self.rank();
        if r == 0 {
            f(self.offset);
            return;
        }
        let last = r - 1;
        let (inner_n, inner_s) = (self.shape[last], self.strides[last]);
        let mut idx = vec![0usize; r];
        let mut base = self.offset as isize;
        loop {
            let mut o = base;
            for _ in 0..inner_n {
                f(o as usize);
                o += inner_s;
            }
            // Advance the outer index (axes 0..last).
            let mut ax = last;
            loop {
                if ax == 0 {
                    return;
                }
                ax -= 1;
                idx[ax] += 1;
                base += self.strides[ax];
                if idx[ax] < self.shape[ax] {
                    break;
                }
                base -= self.strides[ax] * self.shape[ax] as isize;
                idx[ax] = 0;
            }
        }
    }

    /// The smallest and one-past-largest storage offsets this layout touches (for bounds checks).
    pub fn span(&self) -> (usize, usize) {
        if self.numel() == 0 {
            return (self.offset, self.offset);
        }
        let mut lo = self.offset as isize;
        let mut hi = self.offset as isize;
        for (&d, &s) in self.shape.iter().zip(&self.strides) {
            let ext = (d as isize - 1) * s;
            if ext < 0 {
                lo += ext
            } else {
                hi += ext
            }
        }
        (lo as usize, hi as usize + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offsets(l: &Layout) -> Vec<usize> {
        let mut v = vec![];
        l.for_each_offset(|o| v.push(o));
        v
    }

    #[test]
    fn broadcast_rule() {
        assert_eq!(broadcast_shapes(&[3, 1], &[4], "t").unwrap(), vec![3, 4]);
        assert_eq!(broadcast_shapes(&[], &[2, 2], "t").unwrap(), vec![2, 2]);
        assert!(broadcast_shapes(&[3], &[4], "t").is_err());
    }

    #[test]
    fn transpose_then_reshape_needs_copy() {
        let l = Layout::contiguous(&[2, 3]).permute(&[1, 0]).unwrap();
        assert_eq!(offsets(&l), vec![0, 3, 1, 4, 2, 5]);
        assert!(l.reshape_view(&[6]).is_none());
        assert!(l.reshape_view(&[3, 2, 1]).is_some());
    }

    #[test]
    fn reshape_view_of_sliced_rows() {
        // rows 0..2 of a [4, 6] tensor, every column: splitting columns is a view.
        let l = Layout::contiguous(&[4, 6]).slice_axis(0, 0, 2, 2); // rows 0 and 2
        let v = l.reshape_view(&[2, 2, 3]).unwrap();
        assert_eq!(offsets(&v), vec![0, 1, 2, 3, 4, 5, 12, 13, 14, 15, 16, 17]);
        assert!(l.reshape_view(&[12]).is_none());
    }

    #[test]
    fn negative_axis_and_bounds() {
        assert_eq!(normalize_axis(-1, 3, "t").unwrap(), 2);
        assert!(normalize_axis(3, 3, "t").is_err());
        assert!(normalize_axis(-4, 3, "t").is_err());
    }

    #[test]
    fn checked_numel_bounds_the_span_even_when_empty() {
        assert_eq!(checked_numel(&[2, 3], "t").unwrap(), 6);
        assert_eq!(checked_numel(&[], "t").unwrap(), 1);
        assert_eq!(checked_numel(&[0, 1 << 40], "t").unwrap(), 0);
        assert_eq!(checked_numel(&[MAX_SPAN], "t").unwrap(), MAX_SPAN);
        // numpy refuses these too: their byte strides would overflow.
        for shape in [vec![0, 1 << 62], vec![MAX_SPAN + 1], vec![1 << 40, 1 << 40], vec![usize::MAX, 0], vec![3, usize::MAX / 2]] {
            let e = checked_numel(&shape, "zeros").unwrap_err();
            assert!(matches!(e, Error::Shape(_)) && e.to_string().starts_with("zeros: a tensor of shape"), "{shape:?}: {e}");
        }
        // Every valid shape's C strides, in bytes of the widest dtype, fit an isize.
        let strides = contiguous_strides(&[0, 1 << 30, 1 << 27]);
        assert!(strides.iter().all(|&s| s.checked_mul(8).is_some()));
    }

    #[test]
    fn dim_arithmetic_is_checked() {
        assert_eq!(mul_dims(3, 4, "t", "x").unwrap(), 12);
        assert_eq!(add_dims(3, 4, "t", "x").unwrap(), 7);
        assert!(mul_dims(1 << 40, 1 << 40, "tile", "x").unwrap_err().to_string().starts_with("tile: x"));
        assert!(mul_dims(usize::MAX, 2, "t", "x").is_err());
        assert!(add_dims(usize::MAX, 1, "pad", "x").is_err());
        assert!(add_dims(MAX_SPAN, 1, "pad", "x").is_err());
    }

    #[test]
    fn broadcast_of_addressable_shapes_can_overflow() {
        let e = broadcast_shapes(&[1 << 40, 1], &[1, 1 << 40], "add").unwrap_err();
        assert!(e.to_string().starts_with("add: a tensor of shape"), "{e}");
    }

    #[test]
    fn slicing_with_a_huge_step_keeps_the_stride() {
        // One element taken with step 2**62: the stride times the step would overflow.
        let l = Layout::contiguous(&[5, 3]).slice_axis(0, 0, 1, 1 << 62);
        assert_eq!(l.strides(), &[3, 1]);
        assert_eq!(offsets(&l), vec![0, 1, 2]);
        let r = Layout::contiguous(&[5]).slice_axis(0, 4, 1, -(1 << 62));
        assert_eq!(offsets(&r), vec![4]);
    }

    #[test]
    fn reversed_slice_span() {
        let l = Layout::contiguous(&[5]);
        let r = l.slice_axis(0, 4, 5, -1);
        assert_eq!(offsets(&r), vec![4, 3, 2, 1, 0]);
        assert_eq!(r.span(), (0, 5));
    }
}
