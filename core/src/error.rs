//! The engine's typed errors. The bindings map each kind to the matching Python exception
//! (Shape/Value -> ValueError, DType -> TypeError, Axis/Index -> IndexError, OutOfMemory ->
//! MemoryError, Device -> RuntimeError).

use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// Incompatible or invalid shapes; the message names the op and the shapes.
    Shape(String),
    /// A dtype the op does not accept.
    DType(String),
    /// An axis outside [-rank, rank).
    Axis(String),
    /// An index out of range.
    Index(String),
    /// A bad argument value (negative size, unknown padding mode, ...).
    Value(String),
    /// An allocation the machine could not satisfy.
    OutOfMemory(String),
    /// A device problem (no adapter, mixed devices, unsupported on this device).
    Device(String),
    /// Misuse of the autodiff machinery (second gradient call on a spent tape, ...).
    Autodiff(String),
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// The same error with its message prefixed by "`op`: " (for errors raised below the op,
    /// such as a failed allocation), unless it already starts with it.
    pub fn in_op(self, op: &str) -> Error {
        let prefix = |m: String| if m.starts_with(&format!("{op}:")) { m } else { format!("{op}: {m}") };
        match self {
            Error::Shape(m) => Error::Shape(prefix(m)),
            Error::DType(m) => Error::DType(prefix(m)),
            Error::Axis(m) => Error::Axis(prefix(m)),
            Error::Index(m) => Error::Index(prefix(m)),
            Error::Value(m) => Error::Value(prefix(m)),
            Error::OutOfMemory(m) => Error::OutOfMemory(prefix(m)),
            Error::Device(m) => Error::Device(prefix(m)),
            Error::Autodiff(m) => Error::Autodiff(prefix(m)),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Shape(m)
            | Error::DType(m)
            | Error::Axis(m)
            | Error::Index(m)
            | Error::Value(m)
            | Error::OutOfMemory(m)
            | Error::Device(m)
            | Error::Autodiff(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

/// Builds an `Error::Shape` with `format!` syntax.
#[macro_export]
macro_rules! shape_err {
    ($($arg:tt)*) => { $crate::error::Error::Shape(format!($($arg)*)) };
}

/// Builds an `Error::Value` with `format!` syntax.
#[macro_export]
macro_rules! value_err {
    ($($arg:tt)*) => { $crate::error::Error::Value(format!($($arg)*)) };
}

/// Builds an `Error::DType` with `format!` syntax.
#[macro_export]
macro_rules! dtype_err {
    ($($arg:tt)*) => { $crate::error::Error::DType(format!($($arg)*)) };
}
