//! einsum: parsing the subscripts, then reducing them to engine ops (diagonal, sum, transpose,
//! reshape, matmul), so the backward comes from those ops' rules.

use std::collections::HashMap;

use super::{diagonal, matmul, permute};
use crate::error::Result;
use crate::ops::reduce::sum;
use crate::ops::shape::{broadcast_to, reshape};
use crate::tensor::Tensor;
use crate::value_err;

/// An index: a letter's code, or ELLIPSIS + position for the axes "..." stands for
/// (right-aligned across operands, so they broadcast like numpy's).
type Label = u32;
const ELLIPSIS: Label = 0x1_0000;

/// One side of the subscripts: letters and at most one "...".
#[derive(Debug)]
struct Term {
    before: Vec<Label>,
    ellipsis: bool,
    after: Vec<Label>,
}

fn parse_term(text: &str, subscripts: &str) -> Result<Term> {
    let mut term = Term { before: vec![], ellipsis: false, after: vec![] };
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("...") {
            if term.ellipsis {
                return Err(value_err!("einsum: '{text}' in '{subscripts}' has more than one ellipsis"));
            }
            term.ellipsis = true;
            rest = r;
            continue;
        }
        let c = rest.chars().next().unwrap_or(' ');
        if !c.is_ascii_alphabetic() {
            return Err(value_err!("einsum: invalid character '{c}' in subscripts '{subscripts}' (use letters, ',', '->' and '...')"));
        }
        if term.ellipsis { &mut term.after } else { &mut term.before }.push(c as Label);
        rest = &rest[1..];
    }
    Ok(term)
}

impl Term {
    fn letters(&self) -> impl Iterator<Item = &Label> {
        self.before.iter().chain(&self.after)
    }

    /// The labels of an operand of rank `rank`, with "..." expanded to the last `ell` of the
    /// `total` ellipsis labels.
    fn expand(&self, ell: usize, total: usize) -> Vec<Label> {
        let dots = (total - ell..total).map(|i| ELLIPSIS + i as Label);
        self.before.iter().copied().chain(dots).chain(self.after.iter().copied()).collect()
    }
}

pub(super) fn einsum(subscripts: &str, operands: &[Tensor]) -> Result<Tensor> {
    let spec: String = subscripts.chars().filter(|c| !c.is_whitespace()).collect();
    let (lhs, rhs) = match spec.split_once("->") {
        Some((l, r)) => (l, Some(r)),
        None => (spec.as_str(), None),
    };
    let terms: Vec<Term> = lhs.split(',').map(|t| parse_term(t, subscripts)).collect::<Result<_>>()?;
    if operands.is_empty() || terms.len() != operands.len() {
        return Err(value_err!("einsum: subscripts '{subscripts}' name {} operands but {} were given", terms.len(), operands.len()));
    }
    // How many axes "..." stands for in each operand.
    let mut ells = Vec::with_capacity(terms.len());
    for (i, (t, x)) in terms.iter().zip(operands).enumerate() {
        let letters = t.letters().count();
        if x.rank() < letters || (!t.ellipsis && x.rank() != letters) {
            return Err(value_err!(
                "einsum: operand {i} has shape {:?} but its subscripts in '{subscripts}' name {letters} axes",
                x.shape()
            ));
        }
        ells.push(x.rank() - letters);
    }
    let total = ells.iter().copied().max().unwrap_or(0);
    let labels: Vec<Vec<Label>> = terms.iter().zip(&ells).map(|(t, &e)| t.expand(e, total)).collect();

    let out: Vec<Label> = match rhs {
        Some(r) => {
            let t = parse_term(r, subscripts)?;
            if !t.ellipsis && total > 0 {
                return Err(value_err!("einsum: the output of '{subscripts}' needs '...' for the axes the operands' '...' stand for"));
            }
            let out = t.expand(total, total);
            for (i, l) in out.iter().enumerate() {
                if out[..i].contains(l) {
                    return Err(value_err!("einsum: output index '{}' appears twice in '{subscripts}'", name(*l)));
                }
                if !labels.iter().any(|ls| ls.contains(l)) {
                    return Err(value_err!("einsum: output index '{}' of '{subscripts}' is in no operand", name(*l)));
                }
            }
            out
        }
        None => {
            // numpy's implicit output: the ellipsis axes, then the letters seen exactly once,
            // in alphabetical (ASCII) order.
            let mut counts: HashMap<Label, usize> = HashMap::new();
            for l in labels.iter().flatten() {
                *counts.entry(*l).or_default() += 1;
            }
            let mut once: Vec<Label> = counts.iter().filter(|(&l, &c)| c == 1 && l < ELLIPSIS).map(|(&l, _)| l).collect();
            once.sort_unstable();
            (0..total as Label).map(|i| ELLIPSIS + i).chain(once).collect()
        }
    };

    // Every index has one size; operands with size 1 there broadcast.
    let mut sizes: HashMap<Label, usize> = HashMap::new();
    for (x, ls) in operands.iter().zip(&labels) {
        for (&l, &d) in ls.iter().zip(x.shape()) {
            let s = sizes.entry(l).or_insert(d);
            if *s == 1 {
                *s = d;
            } else if d != 1 && d != *s {
                return Err(value_err!(
                    "einsum: index '{}' of '{subscripts}' has sizes {} and {d} (operand shapes {:?})",
                    name(l),
                    *s,
                    operands.iter().map(|t| t.shape().to_vec()).collect::<Vec<_>>()
                ));
            }
        }
    }

    // Each operand on its own: broadcast, take diagonals of repeated indices, and sum the
    // indices no other operand and not the output needs.
    let mut work: Vec<(Tensor, Vec<Label>)> = Vec::with_capacity(operands.len());
    for (i, (x, ls)) in operands.iter().zip(&labels).enumerate() {
        let full: Vec<usize> = ls.iter().map(|l| sizes[l]).collect();
        let mut t = if x.shape() != full.as_slice() { broadcast_to(x, &full)? } else { x.clone() };
        let mut ls = ls.clone();
        while let Some((p, q)) = first_repeat(&ls) {
            let l = ls[p];
            t = diagonal(&t, 0, p as isize, q as isize)?;
            ls.remove(q);
            ls.remove(p);
            ls.push(l);
        }
        let needed = |l: &Label| out.contains(l) || labels.iter().enumerate().any(|(j, o)| j != i && o.contains(l));
        (t, ls) = sum_unneeded(t, ls, needed)?;
        work.push((t, ls));
    }

    // Contract left to right.
    let mut iter = work.into_iter();
    let (mut cur, mut cur_ls) = iter.next().ok_or_else(|| value_err!("einsum: no operands"))?;
    let rest: Vec<(Tensor, Vec<Label>)> = iter.collect();
    for (idx, (y, y_ls)) in rest.iter().enumerate() {
        let later = &rest[idx + 1..];
        let keep = |l: &Label| out.contains(l) || later.iter().any(|(_, ls)| ls.contains(l));
        (cur, cur_ls) = sum_unneeded(cur, cur_ls, |l| keep(l) || y_ls.contains(l))?;
        let y_needed = |l: &Label| keep(l) || cur_ls.contains(l);
        let (y, y_ls) = sum_unneeded(y.clone(), y_ls.clone(), y_needed)?;
        (cur, cur_ls) = contract_pair(&cur, &cur_ls, &y, &y_ls, &keep, &sizes)?;
    }
    (cur, cur_ls) = sum_unneeded(cur, cur_ls, |l| out.contains(l))?;
    let perm: Vec<usize> = out.iter().map(|l| cur_ls.iter().position(|c| c == l).unwrap_or(0)).collect();
    permute(&cur, &perm)
}

fn name(l: Label) -> String {
    if l >= ELLIPSIS {
        "...".into()
    } else {
        char::from_u32(l).map(String::from).unwrap_or_default()
    }
}

/// The first pair of positions holding the same label.
fn first_repeat(ls: &[Label]) -> Option<(usize, usize)> {
    (0..ls.len()).find_map(|p| (p + 1..ls.len()).find(|&q| ls[q] == ls[p]).map(|q| (p, q)))
}

/// Sums the axes whose label `needed` rejects.
fn sum_unneeded(t: Tensor, ls: Vec<Label>, needed: impl Fn(&Label) -> bool) -> Result<(Tensor, Vec<Label>)> {
    let drop: Vec<isize> = (0..ls.len()).filter(|&i| !needed(&ls[i])).map(|i| i as isize).collect();
    if drop.is_empty() {
        return Ok((t, ls));
    }
    let kept: Vec<Label> = ls.iter().enumerate().filter(|(i, _)| !drop.contains(&(*i as isize))).map(|(_, &l)| l).collect();
    Ok((sum(&t, Some(&drop), false)?, kept))
}

/// Contracts two operands with distinct labels each: shared labels that `keep` wants are batch
/// axes, other shared labels are summed by the matmul; the result's labels are batch, then x's
/// own, then y's own.
fn contract_pair(
    x: &Tensor,
    xl: &[Label],
    y: &Tensor,
    yl: &[Label],
    keep: &impl Fn(&Label) -> bool,
    sizes: &HashMap<Label, usize>,
) -> Result<(Tensor, Vec<Label>)> {
    let batch: Vec<Label> = xl.iter().filter(|l| yl.contains(l) && keep(l)).copied().collect();
    let summed: Vec<Label> = xl.iter().filter(|l| yl.contains(l) && !keep(l)).copied().collect();
    let x_own: Vec<Label> = xl.iter().filter(|l| !yl.contains(l)).copied().collect();
    let y_own: Vec<Label> = yl.iter().filter(|l| !xl.contains(l)).copied().collect();
    let pos = |ls: &[Label], l: &Label| ls.iter().position(|c| c == l).unwrap_or(0);
    let size = |ls: &[Label]| -> Vec<usize> { ls.iter().map(|l| sizes[l]).collect() };
    let prod = |ls: &[Label]| -> usize { ls.iter().map(|l| sizes[l]).product() };
    let px: Vec<usize> = batch.iter().chain(&x_own).chain(&summed).map(|l| pos(xl, l)).collect();
    let py: Vec<usize> = batch.iter().chain(&summed).chain(&y_own).map(|l| pos(yl, l)).collect();
    let with_batch = |tail: [usize; 2]| -> Vec<usize> { size(&batch).into_iter().chain(tail).collect() };
    let x3 = reshape(&permute(x, &px)?, &with_batch([prod(&x_own), prod(&summed)]))?;
    let y3 = reshape(&permute(y, &py)?, &with_batch([prod(&summed), prod(&y_own)]))?;
    let z = matmul(&x3, &y3)?;
    let labels: Vec<Label> = batch.iter().chain(&x_own).chain(&y_own).copied().collect();
    let shape = size(&labels);
    Ok((reshape(&z, &shape)?, labels))
}
