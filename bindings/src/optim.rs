//! The fused optimizer update: `optimizer_apply(rule, variables, gradients, slots, hyper)`.

use lamina_core::optim::{apply, Rule};
use lamina_core::Tensor;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::convert::to_tensor;
use crate::errors::IntoPyResult;
use crate::tensor::PyTensor;
use crate::variable::PyVariable;

/// Updates every variable (and its slot variables) in place with one rule of Keras' optimizers.
///
/// Args:
///     rule: "sgd", "adam", "rmsprop", "adagrad", "adadelta", "adamax", "nadam" or "ftrl".
///     variables: the Variables to update.
///     gradients: one gradient per variable (None skips that variable).
///     slots: per variable, the list of its slot Variables (see lamina_core::optim::Rule).
///     hyper: the rule's scalar hyper-parameters for this step.
#[pyfunction]
fn optimizer_apply(
    py: Python<'_>,
    rule: &str,
    variables: Vec<Bound<'_, PyVariable>>,
    gradients: Vec<Option<Bound<'_, PyAny>>>,
    slots: Vec<Vec<Bound<'_, PyVariable>>>,
    hyper: Vec<f64>,
) -> PyResult<()> {
    let rule = Rule::parse(rule).py()?;
    if variables.len() != gradients.len() || variables.len() != slots.len() {
        return Err(PyValueError::new_err(format!(
            "optimizer_apply: {} variables, {} gradients and {} slot lists must match",
            variables.len(),
            gradients.len(),
            slots.len()
        )));
    }
    let grads: Vec<Option<Tensor>> = gradients.iter().map(|g| g.as_ref().map(to_tensor).transpose()).collect::<PyResult<_>>()?;
    let mut var_refs: Vec<PyRefMut<'_, PyTensor>> = variables.iter().map(|v| v.as_super().try_borrow_mut()).collect::<Result<_, _>>()?;
    let mut slot_refs: Vec<Vec<PyRefMut<'_, PyTensor>>> = slots
        .iter()
        .map(|list| list.iter().map(|s| s.as_super().try_borrow_mut()).collect::<Result<Vec<_>, _>>())
        .collect::<Result<_, _>>()?;
    let mut params: Vec<&mut Tensor> = var_refs.iter_mut().map(|r| PyVariable::tensor_mut(r)).collect();
    let mut slot_tensors: Vec<Vec<&mut Tensor>> = slot_refs.iter_mut().map(|l| l.iter_mut().map(|r| PyVariable::tensor_mut(r)).collect()).collect();
    let _ = py;
    apply(rule, &mut params, &grads, &mut slot_tensors, &hyper).py()
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(optimizer_apply, m)?)?;
    Ok(())
}
