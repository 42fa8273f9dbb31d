//! Python values to engine tensors and back: numpy arrays, Python scalars and lists, dtype,
//! axis and shape arguments.

use lamina_core::storage::{CpuBuffer, Storage};
use lamina_core::{DType, Tensor};
use numpy::ndarray::{ArrayViewD, IxDyn, ShapeBuilder};
use numpy::{PyArray, PyArrayDescrMethods, PyArrayDyn, PyArrayMethods, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::GILOnceCell;
use pyo3::types::{PyBool, PyFloat, PyInt, PyList, PySequence, PyTuple};

use crate::errors::IntoPyResult;
use crate::tensor::PyTensor;

static NUMPY: GILOnceCell<Py<PyModule>> = GILOnceCell::new();

pub fn numpy_module(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    Ok(NUMPY.get_or_try_init(py, || py.import("numpy").map(|m| m.unbind()))?.bind(py))
}

/// A dtype argument: a name ("float32"), a numpy dtype or scalar type, or Python's float/int/bool.
pub fn parse_dtype(obj: &Bound<'_, PyAny>) -> PyResult<DType> {
    if let Ok(s) = obj.extract::<String>() {
        return DType::from_name(&s).py();
    }
    let py = obj.py();
    if obj.is(&py.get_type::<PyFloat>()) {
        return Ok(DType::F32);
    }
    if obj.is(&py.get_type::<PyInt>()) {
        return Ok(DType::I32);
    }
    if obj.is(&py.get_type::<PyBool>()) {
        return Ok(DType::Bool);
    }
    let name: String = numpy_module(py)?.call_method1("dtype", (obj,))?.getattr("name")?.extract()?;
    DType::from_name(&name).py()
}

pub fn opt_dtype(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<DType>> {
    match obj {
        None => Ok(None),
        Some(o) if o.is_none() => Ok(None),
        Some(o) => parse_dtype(o).map(Some),
    }
}

/// An axis argument: None, an int, or a sequence of ints.
pub fn parse_axes(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Vec<isize>>> {
    match obj {
        None => Ok(None),
        Some(o) if o.is_none() => Ok(None),
        Some(o) => {
            if let Ok(a) = o.extract::<isize>() {
                Ok(Some(vec![a]))
            } else if let Ok(v) = o.extract::<Vec<isize>>() {
                Ok(Some(v))
            } else {
                Err(PyTypeError::new_err(format!("axis must be None, an int or a sequence of ints, got {}", o.repr()?)))
            }
        }
    }
}

/// A shape argument of `op`: an int or a sequence of ints (a Tensor of ints works too).
pub fn parse_shape(obj: &Bound<'_, PyAny>, op: &str) -> PyResult<Vec<i64>> {
    if let Ok(d) = obj.extract::<i64>() {
        return Ok(vec![d]);
    }
    if let Ok(t) = obj.downcast::<PyTensor>() {
        return Ok(t.borrow().inner.to_vec::<i64>().or_else(|_| {
            lamina_core::ops::cast(&t.borrow().inner, DType::I64).and_then(|c| c.to_vec::<i64>())
        }).map_err(|e| e.in_op(op)).py()?);
    }
    let repr = |o: &Bound<'_, PyAny>| o.repr().map(|r| r.to_string()).unwrap_or_default();
    let seq = obj
        .downcast::<PySequence>()
        .map_err(|_| PyTypeError::new_err(format!("{op}: a shape must be an int or a sequence of ints, got {}", repr(obj))))?;
    let mut out = Vec::with_capacity(seq.len()?);
    for item in seq.try_iter()? {
        let item = item?;
        if item.is_none() {
            return Err(PyValueError::new_err(format!("{op}: shape entries must be known integers, got None")));
        }
        out.push(item.extract::<i64>().map_err(|_| PyTypeError::new_err(format!("{op}: shape entries must be ints, got {}", repr(&item))))?);
    }
    Ok(out)
}

/// A fully known non-negative shape argument of `op`.
pub fn parse_static_shape(obj: &Bound<'_, PyAny>, op: &str) -> PyResult<Vec<usize>> {
    parse_shape(obj, op)?
        .into_iter()
        .map(|d| usize::try_from(d).map_err(|_| PyValueError::new_err(format!("{op}: negative dimension {d} in shape"))))
        .collect()
}

/// True when numpy's buffer can be read in place as a C-ordered slice of native values: C
/// contiguous, aligned, native byte order. (`as_slice` alone also accepts Fortran order, whose
/// memory order is not the logical order.)
fn is_plain_c_array(a: &Bound<'_, PyUntypedArray>) -> bool {
    // SAFETY: reads the flags of a live array object.
    let flags = unsafe { (*a.as_array_ptr()).flags };
    let need = numpy::npyffi::NPY_ARRAY_C_CONTIGUOUS | numpy::npyffi::NPY_ARRAY_ALIGNED;
    flags & need == need && a.dtype().is_native_byteorder() != Some(false)
}

/// The elements of `a` in C order, whatever its layout: one memcpy for a plain C array (the
/// common case, as fast as before), else one strided pass that honours Fortran order, negative
/// and zero strides and unaligned buffers. `T` must match the array's (native) dtype.
fn copy_array<T: numpy::Element + Copy>(a: &Bound<'_, PyArrayDyn<T>>) -> (Vec<T>, Vec<usize>) {
    let shape = a.shape().to_vec();
    let n: usize = shape.iter().product();
    let data = a.data() as *const u8;
    if n == 0 {
        return (Vec::new(), shape);
    }
    if is_plain_c_array(a.as_untyped()) {
        // SAFETY: an aligned C-contiguous array of `n` elements of T starts at `data`.
        return (unsafe { std::slice::from_raw_parts(data as *const T, n) }.to_vec(), shape);
    }
    let mut out = Vec::with_capacity(n);
    // SAFETY: numpy's shape and byte strides describe valid elements of T inside the buffer;
    // reads are unaligned-safe.
    unsafe { gather_strided(data, &shape, a.strides(), &mut |p| out.push(std::ptr::read_unaligned(p as *const T))) };
    (out, shape)
}

/// Calls `read` with the address of every element of a strided buffer, in C order (numpy byte
/// strides: any sign, zero for broadcast axes).
///
/// # Safety
/// `base` with `shape` and `strides` must address valid memory for every index.
unsafe fn gather_strided(base: *const u8, shape: &[usize], strides: &[isize], read: &mut impl FnMut(*const u8)) {
    let Some((&inner, outer)) = shape.split_last() else {
        read(base);
        return;
    };
    let inner_stride = strides[strides.len() - 1];
    let mut idx = vec![0usize; outer.len()];
    let mut row = base;
    loop {
        let mut p = row;
        for _ in 0..inner {
            read(p);
            p = p.wrapping_offset(inner_stride);
        }
        // Advance the outer index like an odometer; done when it wraps around.
        let mut ax = outer.len();
        loop {
            if ax == 0 {
                return;
            }
            ax -= 1;
            idx[ax] += 1;
            row = row.wrapping_offset(strides[ax]);
            if idx[ax] < outer[ax] {
                break;
            }
            row = row.wrapping_offset(-strides[ax] * outer[ax] as isize);
            idx[ax] = 0;
        }
    }
}

/// Rows `rows` (indices into the leading axis) of a plain C-ordered array, gathered straight
/// into a new tensor; None when the array is not plain C (Fortran order, strided, unaligned,
/// byte-swapped) or not of a dtype copied as is: the caller then lets numpy gather them.
pub fn take_rows_of(arr: &Bound<'_, PyUntypedArray>, rows: &[i64]) -> PyResult<Option<Tensor>> {
    fn gather<T: numpy::Element + Copy>(a: &Bound<'_, PyArrayDyn<T>>, rows: &[i64]) -> PyResult<Option<(Vec<T>, Vec<usize>)>> {
        if !is_plain_c_array(a.as_untyped()) {
            return Ok(None);
        }
        let shape = a.shape();
        let Some((&n, rest)) = shape.split_first() else { return Ok(None) };
        let row: usize = rest.iter().product();
        // SAFETY: an aligned C-contiguous array of n * row elements of T starts at data().
        let data: &[T] = if n * row == 0 { &[] } else { unsafe { std::slice::from_raw_parts(a.data() as *const T, n * row) } };
        let mut out_shape = shape.to_vec();
        out_shape[0] = rows.len();
        lamina_core::layout::checked_numel(&out_shape, "take_rows").py()?;
        let mut out = Vec::with_capacity(rows.len() * row);
        for &r in rows {
            let i = usize::try_from(r).ok().filter(|&i| i < n).ok_or_else(|| {
                pyo3::exceptions::PyIndexError::new_err(format!("take_rows: row index {r} is out of bounds for an array with {n} rows"))
            })?;
            out.extend_from_slice(&data[i * row..(i + 1) * row]);
        }
        Ok(Some((out, out_shape)))
    }
    macro_rules! try_dtype {
        ($t:ty) => {
            if let Ok(a) = arr.downcast::<PyArrayDyn<$t>>() {
                return match gather(a, rows)? {
                    Some((v, s)) => Ok(Some(Tensor::from_vec(v, &s).py()?)),
                    None => Ok(None),
                };
            }
        };
    }
    try_dtype!(f32);
    try_dtype!(f64);
    try_dtype!(i32);
    try_dtype!(i64);
    Ok(None)
}

/// Copies a numpy array of any layout into a tensor. Dtypes lamina lacks map to the nearest it
/// has (float16 -> float32, longdouble -> float64, small ints -> int32, uint32/uint64 ->
/// int64); non-native byte orders are converted by numpy first.
pub fn tensor_from_ndarray(arr: &Bound<'_, PyUntypedArray>) -> PyResult<Tensor> {
    if arr.dtype().is_native_byteorder() != Some(false) {
        macro_rules! try_dtype {
            ($t:ty) => {
                if let Ok(a) = arr.downcast::<PyArrayDyn<$t>>() {
                    let (v, s) = copy_array(a);
                    return Tensor::from_vec(v, &s).py();
                }
            };
        }
        try_dtype!(f32);
        try_dtype!(f64);
        try_dtype!(i32);
        try_dtype!(i64);
        if let Ok(a) = arr.downcast::<PyArrayDyn<bool>>() {
            // Read as bytes: a numpy bool buffer may hold bytes other than 0 and 1.
            // SAFETY: bool and u8 have the same size and alignment, and every byte is a valid u8.
            let bytes = unsafe { a.as_any().downcast_unchecked::<PyArrayDyn<u8>>() };
            let (v, s) = copy_array(bytes);
            return Tensor::from_vec(v.into_iter().map(|b| u8::from(b != 0)).collect::<Vec<u8>>(), &s).py();
        }
    }
    let dtype = arr.dtype();
    let target = match (dtype.kind(), dtype.itemsize()) {
        (b'f', n) if n >= 8 => "float64",
        (b'f', _) => "float32",
        (b'i', 8) | (b'u', 4) | (b'u', 8) => "int64",
        (b'i', _) | (b'u', _) => "int32",
        (b'b', _) => "bool",
        _ => return Err(PyTypeError::new_err(format!("cannot convert a numpy array of dtype {} to a tensor", dtype.repr()?))),
    };
    // astype gives a C-ordered, aligned, native copy, which the branch above reads.
    let converted = arr.call_method1("astype", (numpy_module(arr.py())?.getattr("dtype")?.call1((target,))?,))?;
    tensor_from_ndarray(converted.downcast::<PyUntypedArray>()?)
}

/// Any array-like to a tensor. Tensors and Variables pass through (sharing storage); Python
/// floats become float32 and Python ints int32, as in Keras; numpy arrays keep their dtype.
pub fn to_tensor(obj: &Bound<'_, PyAny>) -> PyResult<Tensor> {
    if let Ok(t) = obj.downcast::<PyTensor>() {
        return Ok(t.borrow().inner.clone());
    }
    crate::device::placed(to_host_tensor(obj)?)
}

/// `to_tensor` without the move to the default device: host data stays on the cpu (for a cast
/// that must happen before the move, e.g. float64 data asked for as float32 on the gpu).
pub fn to_host_tensor(obj: &Bound<'_, PyAny>) -> PyResult<Tensor> {
    if let Ok(t) = obj.downcast::<PyTensor>() {
        return Ok(t.borrow().inner.clone());
    }
    if let Ok(a) = obj.downcast::<PyUntypedArray>() {
        return tensor_from_ndarray(a);
    }
    if let Some(t) = scalar_tensor(obj, None)? {
        return Ok(t);
    }
    let py = obj.py();
    if obj.downcast::<PyList>().is_ok() || obj.downcast::<PyTuple>().is_ok() || obj.hasattr("__array__")? {
        let arr = numpy_module(py)?.call_method1("asarray", (obj,))?;
        let arr = arr.downcast::<PyUntypedArray>()?;
        let from_python = !obj.hasattr("__array__")?;
        let kind: String = arr.getattr("dtype")?.getattr("kind")?.extract()?;
        // Python lists of floats/ints follow Keras' defaults (float32 / int32), not numpy's 64-bit ones.
        if from_python && (kind == "f" || kind == "i") {
            let conv = arr.call_method1("astype", (if kind == "f" { "float32" } else { "int32" },))?;
            return tensor_from_ndarray(conv.downcast::<PyUntypedArray>()?);
        }
        return tensor_from_ndarray(arr);
    }
    Err(PyTypeError::new_err(format!(
        "expected a Tensor, numpy array, Python number or nested list, got {}",
        obj.get_type().name()?
    )))
}

/// A Python bool/int/float as a 0-d tensor. With `like`, the scalar is weakly typed: it takes
/// `like`'s dtype (an int tensor with a float scalar computes in float32).
pub fn scalar_tensor(obj: &Bound<'_, PyAny>, like: Option<DType>) -> PyResult<Option<Tensor>> {
    if obj.downcast::<PyBool>().is_ok() {
        let b: bool = obj.extract()?;
        return Ok(Some(match like {
            Some(d) => Tensor::full(&[], b as u8 as f64, d).py()?,
            None => Tensor::scalar(b as u8),
        }));
    }
    if obj.downcast::<PyInt>().is_ok() {
        let v: f64 = obj.extract()?;
        return Ok(Some(match like {
            Some(DType::Bool) | None => {
                let i: i64 = obj.extract()?;
                if i32::try_from(i).is_ok() {
                    Tensor::scalar(i as i32)
                } else {
                    Tensor::scalar(i)
                }
            }
            Some(d) => Tensor::full(&[], v, d).py()?,
        }));
    }
    if obj.downcast::<PyFloat>().is_ok() {
        let v: f64 = obj.extract()?;
        return Ok(Some(match like {
            Some(d) if d.is_float() => Tensor::full(&[], v, d).py()?,
            _ => Tensor::scalar(v as f32),
        }));
    }
    // numpy scalars (np.float32(1.0)) are arrays of rank 0 for our purposes.
    if obj.hasattr("dtype")? && obj.hasattr("shape")? && !obj.downcast::<PyTensor>().is_ok() {
        if let Ok(arr) = numpy_module(obj.py())?.call_method1("asarray", (obj,)) {
            if let Ok(a) = arr.downcast::<PyUntypedArray>() {
                return tensor_from_ndarray(a).map(Some);
            }
        }
    }
    Ok(None)
}

/// The two operands of a binary op. A Python scalar beside a tensor is weakly typed.
pub fn operands(a: &Bound<'_, PyAny>, b: &Bound<'_, PyAny>) -> PyResult<(Tensor, Tensor)> {
    let ta = a.downcast::<PyTensor>().ok().map(|t| t.borrow().inner.clone());
    let tb = b.downcast::<PyTensor>().ok().map(|t| t.borrow().inner.clone());
    match (ta, tb) {
        (Some(x), Some(y)) => Ok((x, y)),
        (Some(x), None) => {
            let y = match scalar_tensor(b, Some(x.dtype()))? {
                Some(y) if b.downcast::<PyFloat>().is_ok() || b.downcast::<PyInt>().is_ok() || b.downcast::<PyBool>().is_ok() => y,
                _ => to_tensor(b)?,
            };
            Ok((x, y))
        }
        (None, Some(y)) => {
            let x = match scalar_tensor(a, Some(y.dtype()))? {
                Some(x) if a.downcast::<PyFloat>().is_ok() || a.downcast::<PyInt>().is_ok() || a.downcast::<PyBool>().is_ok() => x,
                _ => to_tensor(a)?,
            };
            Ok((x, y))
        }
        (None, None) => Ok((to_tensor(a)?, to_tensor(b)?)),
    }
}

/// Keeps a tensor's storage alive while numpy views it.
#[pyclass(frozen)]
pub struct StorageOwner {
    _storage: std::sync::Arc<Storage>,
}

fn view_of<'py, T: numpy::Element>(py: Python<'py>, data: &[T], t: &Tensor, owner: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let l = t.layout();
    let shape = IxDyn(l.shape());
    // ndarray takes strides as usize and reads them back as isize, so negative strides pass
    // through. Every tensor spans at most MAX_SPAN elements, so the byte strides numpy gets
    // fit an isize; the stride of a 0- or 1-element axis is never used and is set to 0.
    let strides = IxDyn(&l.shape().iter().zip(l.strides()).map(|(&d, &s)| if d > 1 { s as usize } else { 0 }).collect::<Vec<_>>());
    let ptr = if l.numel() == 0 { data.as_ptr() } else { data[l.offset()..].as_ptr() };
    // SAFETY: the layout was checked against the storage when the tensor was made, and
    // `owner` keeps the storage alive for as long as numpy holds the view.
    let view = unsafe { ArrayViewD::from_shape_ptr(shape.strides(strides), ptr) };
    let arr = unsafe { PyArray::borrow_from_array(&view, owner) };
    // Tensors are immutable: the view is read-only.
    unsafe {
        (*arr.as_array_ptr()).flags &= !numpy::npyffi::NPY_ARRAY_WRITEABLE;
    }
    let _ = py;
    Ok(arr.into_any())
}

/// A read-only numpy view of a host tensor's storage (no copy).
pub fn to_numpy<'py>(py: Python<'py>, t: &Tensor) -> PyResult<Bound<'py, PyAny>> {
    if t.device().is_gpu() {
        // A gpu tensor is read back (waiting only for the work that produces it).
        return to_numpy(py, &t.to(lamina_core::Device::Cpu).py()?);
    }
    let owner = Bound::new(py, StorageOwner { _storage: t.storage().clone() })?.into_any();
    match t.cpu_buffer().py()? {
        CpuBuffer::F32(v) => view_of(py, v, t, owner),
        CpuBuffer::F64(v) => view_of(py, v, t, owner),
        CpuBuffer::I32(v) => view_of(py, v, t, owner),
        CpuBuffer::I64(v) => view_of(py, v, t, owner),
        CpuBuffer::Bool(v) => {
            // SAFETY: bool storage holds only 0 and 1, valid `bool` bit patterns.
            let as_bool: &[bool] = unsafe { std::slice::from_raw_parts(v.as_ptr() as *const bool, v.len()) };
            view_of(py, as_bool, t, owner)
        }
    }
}

