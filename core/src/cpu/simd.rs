//! Run-time SIMD selection (AVX-512, AVX2/FMA, portable fallback) for the elementwise kernels.
