//! How a reduction walks memory. Every reduction, softmax and normalization kernel sees its
//! input as a dense block `x[m, k, n]` reduced over `k`: `n == 1` is the row case (reduce the
//! innermost run: softmax over classes, mean over features), `n > 1` the column case (sum over
//! the batch axis: bias gradients, batch statistics).
//!
//! A `Plan` finds that block without copying whenever the tensor's elements are densely packed
//! in some axis order that keeps the reduced axes together (a contiguous tensor, or a
//! transposed view of one); otherwise the op copies a permuted view once.

use crate::layout::Layout;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Storage offset of the dense block.
    pub offset: usize,
    /// The axes of size > 1 in memory order, outermost first.
    pub order: Vec<usize>,
    pub m: usize,
    pub k: usize,
    pub n: usize,
}

impl Plan {
    /// A plan reading `layout` in place, or None when its elements are not dense in an order
    /// that keeps `axes` (sorted) in one block. With `keep_order`, the kept axes must also stay
    /// in their original order, so a reduction's output comes out in C order.
    pub fn new(layout: &Layout, axes: &[usize], keep_order: bool) -> Option<Plan> {
        let (shape, strides) = (layout.shape(), layout.strides());
        let mut order: Vec<usize> = (0..shape.len()).filter(|&a| shape[a] != 1).collect();
        if !layout.is_contiguous() {
            order.sort_by_key(|&a| std::cmp::Reverse(strides[a]));
            let mut expected = 1isize;
            for &a in order.iter().rev() {
                if strides[a] != expected {
                    return None;
                }
                expected *= shape[a] as isize;
            }
        }
        let is_reduced = |a: &usize| axes.contains(a);
        let first = order.iter().position(is_reduced);
        let last = order.iter().rposition(is_reduced);
        let (lo, hi) = match (first, last) {
            (Some(f), Some(l)) => (f, l + 1),
            // Only size-1 axes are reduced: every output element folds one input element.
            _ => (order.len(), order.len()),
        };
        if order[lo..hi].iter().any(|a| !is_reduced(a)) {
            return None;
        }
        if keep_order {
            let kept: Vec<usize> = order.iter().copied().filter(|a| !is_reduced(a)).collect();
            if kept.windows(2).any(|w| w[0] > w[1]) {
                return None;
            }
        }
        let size = |s: &[usize]| s.iter().map(|&a| shape[a]).product::<usize>();
        Some(Plan { offset: layout.offset(), m: size(&order[..lo]), k: size(&order[lo..hi]), n: size(&order[hi..]), order })
    }

    /// The axis permutation a copy should use so that `Plan::new` succeeds on it: the natural
    /// order when the reduced axes already sit together, else the kept axes then the reduced.
    pub fn copy_order(shape: &[usize], axes: &[usize]) -> Vec<usize> {
        let nontrivial: Vec<usize> = (0..shape.len()).filter(|&a| shape[a] != 1).collect();
        let pos: Vec<usize> = nontrivial.iter().enumerate().filter(|(_, a)| axes.contains(a)).map(|(i, _)| i).collect();
        let together = pos.windows(2).all(|w| w[1] == w[0] + 1);
        if together {
            (0..shape.len()).collect()
        } else {
            let mut perm: Vec<usize> = (0..shape.len()).filter(|a| !axes.contains(a)).collect();
            perm.extend(axes.iter().copied());
            perm
        }
    }

    /// The layout, over a dense buffer written in this plan's `m, k, n` order, that shows it
    /// with the original axes (`shape`): the output layout of same-shape ops (softmax, norms).
    pub fn layout_of(&self, shape: &[usize]) -> Layout {
        let mut strides = vec![0isize; shape.len()];
        let mut acc = 1isize;
        for &a in self.order.iter().rev() {
            strides[a] = acc;
            acc *= shape[a] as isize;
        }
        Layout::new(shape.to_vec(), strides, 0)
    }

    /// True when a tensor with `layout` (same shape) is dense in this plan's order, so a
    /// second operand (an upstream gradient) can be read in place beside the first.
    pub fn matches(&self, layout: &Layout) -> bool {
        let (shape, strides) = (layout.shape(), layout.strides());
        let mut expected = 1isize;
        for &a in self.order.iter().rev() {
            if strides[a] != expected {
                return false;
            }
            expected *= shape[a] as isize;
        }
        true
    }

    /// The full axis permutation (size-1 axes at the end) that lays a tensor out in this
    /// plan's order when copied.
    pub fn permutation(&self, rank: usize) -> Vec<usize> {
        let mut perm = self.order.clone();
        perm.extend((0..rank).filter(|a| !self.order.contains(a)));
        perm
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contiguous_blocks() {
        let l = Layout::contiguous(&[2, 3, 4]);
        let p = Plan::new(&l, &[1], true).unwrap();
        assert_eq!((p.m, p.k, p.n), (2, 3, 4));
        let p = Plan::new(&l, &[1, 2], true).unwrap();
        assert_eq!((p.m, p.k, p.n), (2, 12, 1));
        let p = Plan::new(&l, &[0], true).unwrap();
        assert_eq!((p.m, p.k, p.n), (1, 2, 12));
        assert!(Plan::new(&l, &[0, 2], true).is_none());
        let p = Plan::new(&l, &[], true).unwrap();
        assert_eq!((p.m, p.k, p.n), (24, 1, 1));
    }

    #[test]
    fn size_one_axes_do_not_split_blocks() {
        let l = Layout::contiguous(&[2, 1, 4]);
        let p = Plan::new(&l, &[0, 2], true).unwrap();
        assert_eq!((p.m, p.k, p.n), (1, 8, 1));
    }

    #[test]
    fn transposed_view_reads_in_place() {
        // x.T of a [3, 5] tensor: shape [5, 3], strides [1, 5].
        let l = Layout::contiguous(&[3, 5]).permute(&[1, 0]).unwrap();
        let p = Plan::new(&l, &[1], true).unwrap();
        assert_eq!((p.m, p.k, p.n), (1, 3, 5));
        let p = Plan::new(&l, &[0], true).unwrap();
        assert_eq!((p.m, p.k, p.n), (3, 5, 1));
        // Kept axes out of order: fine for same-shape ops, not for reductions.
        let l3 = Layout::contiguous(&[2, 3, 4]).permute(&[2, 1, 0]).unwrap();
        assert!(Plan::new(&l3, &[1], true).is_none());
        let p = Plan::new(&l3, &[1], false).unwrap();
        assert_eq!((p.m, p.k, p.n), (2, 3, 4));
        assert_eq!(p.layout_of(&[4, 3, 2]).strides(), l3.strides());
    }

    #[test]
    fn broadcast_views_need_a_copy() {
        let l = Layout::contiguous(&[1, 4]).broadcast_to(&[3, 4], "t").unwrap();
        assert!(Plan::new(&l, &[0], true).is_none());
        assert_eq!(Plan::copy_order(&[3, 4], &[0]), vec![0, 1]);
        assert_eq!(Plan::copy_order(&[2, 3, 4], &[0, 2]), vec![1, 0, 2]);
    }
}
