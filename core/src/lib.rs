//! lamina-core: the tensor engine behind lamina. Pure Rust, no Python: tensors with shared
//! storage and strided views, ops with numpy semantics, reverse-mode autodiff, and a CPU
//! backend with run-time-selected SIMD kernels.

pub mod autograd;
pub mod cpu;
pub mod device;
pub mod dtype;
pub mod error;
pub mod layout;
pub mod ops;
pub mod optim;
pub mod storage;
pub mod tensor;
pub mod wgpu;

pub use device::{default_device, set_default_device, Device};
pub use dtype::DType;
pub use error::{Error, Result};
pub use tensor::Tensor;
