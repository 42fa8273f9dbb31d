//! Convolution kernels (im2col + gemm).
