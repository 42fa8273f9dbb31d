//! Counter-based random number kernels.
