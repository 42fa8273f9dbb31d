//! Reverse-mode autodiff. While a tape records (see `recording`), every op whose inputs are
//! tracked adds a `Node` holding its backward rule; `gradient` walks the nodes from the
//! targets back to the sources in reverse topological order, entirely in Rust.

mod graph;
mod recording;

pub use graph::{gradient, rebind_leaf, record, record1, track_leaf, BackwardFn, GradRef, Node};
pub use recording::{enter_tape, exit_tape, is_recording, needs_grad, pause, resume, PauseGuard, RecordingGuard};
