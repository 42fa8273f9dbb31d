//! Ops, one file per family. Each op validates its inputs, dispatches the forward computation
//! to the tensor's device, and records its backward rule beside it.

pub mod conv;
pub mod creation;
pub mod dispatch;
pub mod elementwise;
pub mod index;
pub mod linalg;
pub mod loss;
pub mod nn;
pub mod pool;
pub mod random;
pub mod recurrent;
pub mod reduce;
pub mod shape;

pub use conv::*;
pub use creation::*;
pub use elementwise::*;
pub use index::*;
pub use linalg::*;
pub use loss::*;
pub use nn::*;
pub use pool::*;
pub use random::*;
pub use recurrent::*;
pub use reduce::*;
pub use shape::*;
