//! Tensor creation: zeros/ones/full(_like), arange, eye.
