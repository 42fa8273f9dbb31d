//! Bindings of the int8 inference kernels (core/src/cpu/int8): a packed int8 Dense kernel,
//! Keras' dynamic per-row activation quantization, and the names of the int8 paths.

use lamina_core::cpu::int8::{quantize_rows, Int8Weights, Isa};
use lamina_core::{DType, Tensor};
use numpy::{PyArray1, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::convert::to_tensor;
use crate::errors::IntoPyResult;
use crate::tensor::PyTensor;

/// An int8 Dense kernel packed for the int8 path chosen when it was made.
///
/// Args:
///     kernel: int8 array `[input_dim, units]` (Keras' quantized `kernel`).
///     kernel_scale: float32 array `[units]` (Keras' `kernel_scale`: `kernel = round(w * scale)`).
///     bias: float32 array `[units]`, or None.
#[pyclass(name = "Int8Dense", module = "lamina._core", frozen)]
pub struct PyInt8Dense {
    inner: Int8Weights,
}

#[pymethods]
impl PyInt8Dense {
    #[new]
    #[pyo3(signature = (kernel, kernel_scale, bias=None))]
    fn new(kernel: PyReadonlyArray2<'_, i8>, kernel_scale: PyReadonlyArray1<'_, f32>, bias: Option<PyReadonlyArray1<'_, f32>>) -> PyResult<Self> {
        let (k, n) = (kernel.shape()[0], kernel.shape()[1]);
        let kernel = kernel.as_array().iter().copied().collect::<Vec<i8>>();
        let scale = kernel_scale.as_array().iter().copied().collect::<Vec<f32>>();
        let bias = bias.map(|b| b.as_array().iter().copied().collect::<Vec<f32>>());
        Ok(PyInt8Dense { inner: Int8Weights::pack(&kernel, k, n, &scale, bias.as_deref()).py()? })
    }

    /// The int8 path this kernel runs: "vnni", "avx2" or "scalar".
    #[getter]
    fn isa(&self) -> &'static str {
        self.inner.isa.name()
    }

    /// Keras' int8 Dense call: quantize each row of float32 `x` (`[..., input_dim]`), multiply in
    /// int8, dequantize, add the bias, and apply ReLU when `relu`. Returns float32 `[..., units]`.
    #[pyo3(signature = (x, relu=false))]
    fn __call__(&self, x: &Bound<'_, PyAny>, relu: bool) -> PyResult<PyTensor> {
        let t = to_tensor(x)?;
        let (k, n) = (self.inner.k, self.inner.n);
        if t.dtype() != DType::F32 || t.rank() == 0 || t.shape()[t.rank() - 1] != k {
            return Err(PyValueError::new_err(format!(
                "int8 Dense expects float32 input of shape (..., {k}), got {} {:?}",
                t.dtype().name(),
                t.shape()
            )));
        }
        let t = if t.device().is_gpu() { t.to(lamina_core::Device::Cpu).py()? } else { t };
        let t = t.contiguous().py()?;
        let out = self.inner.dense(t.as_slice::<f32>().py()?, relu).py()?;
        let mut shape = t.shape().to_vec();
        *shape.last_mut().unwrap() = n;
        Ok(PyTensor::new(Tensor::from_vec(out, &shape).py()?))
    }

    /// The exact int32 product of int8 rows `a` (`[m, input_dim]`) with the kernel (for tests).
    fn matmul_i32<'py>(&self, py: Python<'py>, a: PyReadonlyArray2<'py, i8>) -> PyResult<Bound<'py, PyAny>> {
        let m = a.shape()[0];
        let a = a.as_array().iter().copied().collect::<Vec<i8>>();
        let c = self.inner.matmul_i32(&a).py()?;
        Ok(PyArray1::from_vec(py, c).reshape([m, self.inner.n])?.into_any())
    }
}

/// Keras' dynamic int8 quantization of float32 rows `x` (`[m, k]`): returns the int8 rows and
/// the per-row scales `127 / (max|x| + 1e-7)`.
#[pyfunction]
fn _int8_quantize_rows<'py>(py: Python<'py>, x: PyReadonlyArray2<'py, f32>) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    let (m, k) = (x.shape()[0], x.shape()[1]);
    let v = x.as_array().iter().copied().collect::<Vec<f32>>();
    let (q, s) = quantize_rows(&v, k);
    Ok((PyArray1::from_vec(py, q).reshape([m, k])?.into_any(), PyArray1::from_vec(py, s).into_any()))
}

/// The int8 paths this CPU has (best last), and the one new kernels use (after `LAMINA_INT8_ISA`).
#[pyfunction]
fn _int8_isas() -> PyResult<(Vec<&'static str>, &'static str)> {
    let chosen = Isa::chosen().py()?;
    Ok((Isa::available().iter().map(|i| i.name()).collect(), chosen.name()))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyInt8Dense>()?;
    m.add_function(wrap_pyfunction!(_int8_quantize_rows, m)?)?;
    m.add_function(wrap_pyfunction!(_int8_isas, m)?)?;
    Ok(())
}
