//! Whether ops are being recorded on this thread. Tapes are per thread, as in TensorFlow:
//! a data-loading thread never records into the training thread's graph.

use std::cell::Cell;

use crate::tensor::Tensor;

thread_local! {
    static ACTIVE_TAPES: Cell<usize> = const { Cell::new(0) };
    static PAUSED: Cell<usize> = const { Cell::new(0) };
}

/// True while at least one tape records and recording is not paused.
#[inline]
pub fn is_recording() -> bool {
    ACTIVE_TAPES.with(|c| c.get()) > 0 && PAUSED.with(|c| c.get()) == 0
}

/// True when an op on `inputs` must record its backward rule.
#[inline]
pub fn needs_grad(inputs: &[&Tensor]) -> bool {
    is_recording() && inputs.iter().any(|t| t.grad_ref().is_some())
}

/// Holds recording on for its lifetime (a GradientTape's `with` block).
pub struct RecordingGuard(());

impl RecordingGuard {
    pub fn start() -> RecordingGuard {
        ACTIVE_TAPES.with(|c| c.set(c.get() + 1));
        RecordingGuard(())
    }
}

impl Drop for RecordingGuard {
    fn drop(&mut self) {
        ACTIVE_TAPES.with(|c| c.set(c.get().saturating_sub(1)));
    }
}

/// Holds recording off for its lifetime (stop_recording, and the backward pass itself).
pub struct PauseGuard(());

impl PauseGuard {
    pub fn start() -> PauseGuard {
        PAUSED.with(|c| c.set(c.get() + 1));
        PauseGuard(())
    }
}

impl Drop for PauseGuard {
    fn drop(&mut self) {
        PAUSED.with(|c| c.set(c.get().saturating_sub(1)));
    }
}

/// Starts recording on this thread (GradientTape.__enter__ from Python). Pair with `exit_tape`.
pub fn enter_tape() {
    ACTIVE_TAPES.with(|c| c.set(c.get() + 1));
}

/// Stops one level of recording started by `enter_tape`.
pub fn exit_tape() {
    ACTIVE_TAPES.with(|c| c.set(c.get().saturating_sub(1)));
}

/// Pauses recording (stop_recording from Python). Pair with `resume`.
pub fn pause() {
    PAUSED.with(|c| c.set(c.get() + 1));
}

pub fn resume() {
    PAUSED.with(|c| c.set(c.get().saturating_sub(1)));
}
