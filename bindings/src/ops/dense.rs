//! Binding of the fused dense op (the Dense layer's forward pass).

use lamina_core::ops;
use pyo3::prelude::*;

use crate::convert::to_tensor;
use crate::errors::IntoPyResult;
use crate::tensor::PyTensor;

/// `dense(x, kernel, bias=None, activation="linear")`: activation(x @ kernel + bias) as one op
/// (activation one of "linear", "relu", "sigmoid", "tanh").
#[pyfunction]
#[pyo3(signature = (x, kernel, bias=None, activation="linear"))]
fn dense(x: &Bound<'_, PyAny>, kernel: &Bound<'_, PyAny>, bias: Option<&Bound<'_, PyAny>>, activation: &str) -> PyResult<PyTensor> {
    let act = ops::dense::DenseActivation::parse(activation).py()?;
    let b = bias.filter(|b| !b.is_none()).map(to_tensor).transpose()?;
    Ok(PyTensor::new(ops::dense::dense(&to_tensor(x)?, &to_tensor(kernel)?, b.as_ref(), act).py()?))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(dense, m)?)?;
    Ok(())
}
