//! Gather/scatter kernels.
