//! The autodiff graph: nodes with backward rules, and the reverse walk that turns them into
//! gradients.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::recording::{needs_grad, PauseGuard};
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::ops;
use crate::tensor::Tensor;

/// A backward rule: given the gradient of every output (zeros filled in where none flowed) and
/// which inputs need a gradient, return one gradient (or None) per input, shaped like it.
pub type BackwardFn = Box<dyn Fn(&[Tensor], &[bool]) -> Result<Vec<Option<Tensor>>> + Send + Sync>;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

pub struct Node {
    id: u64,
    op: &'static str,
    inputs: Vec<Option<GradRef>>,
    /// Shape and dtype of each output, to fill in zeros for outputs no gradient reached.
    outputs: Vec<(Vec<usize>, DType)>,
    /// None for a leaf (a watched tensor or a Variable); taken once the rule has run on a
    /// non-persistent tape, which frees the tensors it saved.
    backward: Mutex<Option<BackwardFn>>,
    is_leaf: bool,
}

/// A tensor's place in the graph: output `index` of `node`.
#[derive(Clone)]
pub struct GradRef {
    node: Arc<Node>,
    index: usize,
}

impl GradRef {
    pub fn node_id(&self) -> u64 {
        self.node.id
    }
    fn key(&self) -> (u64, usize) {
        (self.node.id, self.index)
    }
}

fn new_node(op: &'static str, inputs: Vec<Option<GradRef>>, outputs: Vec<(Vec<usize>, DType)>, backward: Option<BackwardFn>) -> Arc<Node> {
    let is_leaf = backward.is_none();
    Arc::new(Node { id: NEXT_ID.fetch_add(1, Ordering::Relaxed), op, inputs, outputs, backward: Mutex::new(backward), is_leaf })
}

/// Makes `t` a leaf of the graph (tape.watch, Variables): gradients can be taken against it.
pub fn track_leaf(t: &Tensor) -> Tensor {
    let mut out = t.detach();
    out.set_grad_ref(Some(GradRef { node: new_node("leaf", vec![], vec![(t.shape().to_vec(), t.dtype())], None), index: 0 }));
    out
}

/// `value` as the new content of the leaf `leaf` (Variable.assign keeps the variable's place in
/// the graph).
pub fn rebind_leaf(value: &Tensor, leaf: &Tensor) -> Tensor {
    let mut out = value.detach();
    out.set_grad_ref(leaf.grad_ref().cloned());
    out
}

/// Links `outputs` of an op into the graph with `backward` when recording and some input is
/// tracked; otherwise returns them unchanged.
pub fn record(
    op: &'static str,
    inputs: &[&Tensor],
    mut outputs: Vec<Tensor>,
    backward: impl Fn(&[Tensor], &[bool]) -> Result<Vec<Option<Tensor>>> + Send + Sync + 'static,
) -> Vec<Tensor> {
    if !needs_grad(inputs) {
        return outputs;
    }
    let node = new_node(
        op,
        inputs.iter().map(|t| t.grad_ref().cloned()).collect(),
        outputs.iter().map(|o| (o.shape().to_vec(), o.dtype())).collect(),
        Some(Box::new(backward)),
    );
    for (i, o) in outputs.iter_mut().enumerate() {
        o.set_grad_ref(Some(GradRef { node: node.clone(), index: i }));
    }
    outputs
}

/// `record` for the common single-output op; the rule receives the output's gradient.
pub fn record1(
    op: &'static str,
    inputs: &[&Tensor],
    output: Tensor,
    backward: impl Fn(&Tensor, &[bool]) -> Result<Vec<Option<Tensor>>> + Send + Sync + 'static,
) -> Tensor {
    let mut v = record(op, inputs, vec![output], move |g, need| backward(&g[0], need));
    v.pop().expect("record returns one tensor per output")
}

/// Nodes reachable from `roots`, parents after children reversed: the returned order visits
/// every node before any of its inputs.
fn topological_order(roots: &[Arc<Node>]) -> Vec<Arc<Node>> {
    let mut post: Vec<Arc<Node>> = Vec::new();
    let mut visited: HashSet<u64> = HashSet::new();
    // Iterative DFS (graphs from long Python loops are deep).
    let mut stack: Vec<(Arc<Node>, usize)> = Vec::new();
    for r in roots {
        if visited.insert(r.id) {
            stack.push((r.clone(), 0));
        }
        while let Some((node, next)) = stack.pop() {
            if next < node.inputs.len() {
                stack.push((node.clone(), next + 1));
                if let Some(p) = &node.inputs[next] {
                    if visited.insert(p.node.id) {
                        stack.push((p.node.clone(), 0));
                    }
                }
            } else {
                post.push(node);
            }
        }
    }
    post.reverse();
    post
}

/// Gradients of `targets` (summed; seeded with `seeds` or ones) with respect to `sources`.
/// A source the targets do not depend on gets None. With `retain_graph` false the backward
/// rules are consumed, freeing what they saved; a second walk over them is an error.
pub fn gradient(targets: &[Tensor], seeds: Option<&[Tensor]>, sources: &[Tensor], retain_graph: bool) -> Result<Vec<Option<Tensor>>> {
    let _pause = PauseGuard::start();
    let source_keys: HashSet<(u64, usize)> = sources.iter().filter_map(|s| s.grad_ref().map(|g| g.key())).collect();
    let roots: Vec<Arc<Node>> = targets.iter().filter_map(|t| t.grad_ref().map(|g| g.node.clone())).collect();
    let order = topological_order(&roots);

    // A node matters when a source lies at or below it.
    let mut matters: HashSet<u64> = HashSet::new();
    for node in order.iter().rev() {
        let is_source = (0..node.outputs.len()).any(|i| source_keys.contains(&(node.id, i)));
        if is_source || node.inputs.iter().flatten().any(|p| matters.contains(&p.node.id)) {
            matters.insert(node.id);
        }
    }

    let mut grads: HashMap<u64, Vec<Option<Tensor>>> = HashMap::new();
    for (i, t) in targets.iter().enumerate() {
        let Some(g) = t.grad_ref() else { continue };
        let seed = match seeds {
            Some(s) => {
                let s = s.get(i).ok_or_else(|| Error::Value("gradient: fewer output gradients than targets".into()))?;
                if s.shape() != t.shape() {
                    return Err(Error::Shape(format!(
                        "gradient: output gradient of shape {:?} does not match target of shape {:?}",
                        s.shape(),
                        t.shape()
                    )));
                }
                ops::cast(s, t.dtype())?
            }
            None => Tensor::ones_like(t)?,
        };
        accumulate(&mut grads, &g.node, g.index, seed)?;
    }

    for node in &order {
        if !matters.contains(&node.id) || node.is_leaf {
            continue;
        }
        let Some(out_grads) = grads.get(&node.id) else { continue };
        // Outputs no gradient reached get zeros on the device of those that got one.
        let device = out_grads.iter().flatten().next().map(|g| g.device()).unwrap_or_default();
        let filled: Vec<Tensor> = out_grads
            .iter()
            .zip(&node.outputs)
            .map(|(g, (shape, dtype))| match g {
                Some(g) => Ok(g.clone()),
                None => Tensor::zeros(shape, *dtype)?.to(device),
            })
            .collect::<Result<_>>()?;
        let need: Vec<bool> = node.inputs.iter().map(|p| p.as_ref().is_some_and(|p| matters.contains(&p.node.id))).collect();
        let in_grads = {
            let mut slot = node.backward.lock().map_err(|_| Error::Autodiff("autodiff graph lock poisoned".into()))?;
            let rule = slot.as_ref().ok_or_else(|| {
                Error::Autodiff(format!(
                    "the backward pass of '{}' already ran and its saved values were freed; use GradientTape(persistent=True) to compute several gradients",
                    node.op
                ))
            })?;
            let r = rule(&filled, &need)?;
            if !retain_graph {
                *slot = None;
            }
            r
        };
        for ((p, g), needed) in node.inputs.iter().zip(in_grads).zip(&need) {
            if let (Some(p), Some(g), true) = (p, g, needed) {
                accumulate(&mut grads, &p.node, p.index, g)?;
            }
        }
    }

    sources
        .iter()
        .map(|s| {
            Ok(s.grad_ref().and_then(|g| grads.get(&g.node.id).and_then(|v| v.get(g.index).cloned().flatten())))
        })
        .collect()
}

fn accumulate(grads: &mut HashMap<u64, Vec<Option<Tensor>>>, node: &Arc<Node>, index: usize, g: Tensor) -> Result<()> {
    let slots = grads.entry(node.id).or_insert_with(|| vec![None; node.outputs.len()]);
    let (shape, dtype) = &node.outputs[index];
    if g.shape() != shape.as_slice() {
        return Err(Error::Autodiff(format!(
            "internal: backward of an op produced a gradient of shape {:?} for a value of shape {:?}",
            g.shape(),
            shape
        )));
    }
    let g = if g.dtype() != *dtype && dtype.is_float() { ops::cast(&g, *dtype)? } else { g };
    slots[index] = Some(match slots[index].take() {
        Some(prev) => ops::add(&prev, &g)?,
        None => g,
    });
    Ok(())
}
