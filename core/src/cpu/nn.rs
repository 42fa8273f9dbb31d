//! Softmax and normalization kernels.
