//! Tape control and gradients for `lamina.GradientTape`.

use lamina_core::autograd;
use pyo3::prelude::*;

use crate::convert::to_tensor;
use crate::errors::IntoPyResult;
use crate::tensor::PyTensor;

/// Starts recording on this thread (GradientTape.__enter__).
#[pyfunction]
fn tape_enter() {
    autograd::enter_tape();
}

/// Ends one level of recording (GradientTape.__exit__).
#[pyfunction]
fn tape_exit() {
    autograd::exit_tape();
}

#[pyfunction]
fn pause_recording() {
    autograd::pause();
}

#[pyfunction]
fn resume_recording() {
    autograd::resume();
}

#[pyfunction]
fn is_recording() -> bool {
    autograd::is_recording()
}

/// Gradients of the (summed) targets with respect to each source; None where unconnected.
#[pyfunction]
#[pyo3(signature = (targets, sources, output_gradients=None, retain_graph=false))]
fn gradient(
    py: Python<'_>,
    targets: Vec<Bound<'_, PyAny>>,
    sources: Vec<Bound<'_, PyAny>>,
    output_gradients: Option<Vec<Bound<'_, PyAny>>>,
    retain_graph: bool,
) -> PyResult<Vec<Option<PyTensor>>> {
    let t: Vec<_> = targets.iter().map(to_tensor).collect::<PyResult<_>>()?;
    let s: Vec<_> = sources.iter().map(to_tensor).collect::<PyResult<_>>()?;
    let seeds: Option<Vec<_>> = output_gradients.map(|g| g.iter().map(to_tensor).collect::<PyResult<_>>()).transpose()?;
    let grads = py.allow_threads(|| autograd::gradient(&t, seeds.as_deref(), &s, retain_graph)).py()?;
    Ok(grads.into_iter().map(|g| g.map(PyTensor::new)).collect())
}

/// `stop_gradient(x)`: the same values, cut from the graph.
#[pyfunction]
fn stop_gradient(x: &Bound<'_, PyAny>) -> PyResult<PyTensor> {
    Ok(PyTensor::new(to_tensor(x)?.detach()))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(tape_enter, m)?)?;
    m.add_function(wrap_pyfunction!(tape_exit, m)?)?;
    m.add_function(wrap_pyfunction!(pause_recording, m)?)?;
    m.add_function(wrap_pyfunction!(resume_recording, m)?)?;
    m.add_function(wrap_pyfunction!(is_recording, m)?)?;
    m.add_function(wrap_pyfunction!(gradient, m)?)?;
    m.add_function(wrap_pyfunction!(stop_gradient, m)?)?;
    Ok(())
}
