//! The CPU backend: kernels over host buffers, SIMD paths chosen at run time, threads above a
//! size threshold (the `team` for the hot loops, rayon elsewhere). Each file is named after the op family it computes.

pub mod binary;
pub mod conv;
pub mod copy;
pub mod gemm;
pub mod int8;
pub mod index;
pub mod matmul;
pub mod nn;
pub mod num;
pub mod parallel;
pub mod pool;
pub mod random;
pub mod recurrent;
pub mod reduce;
pub mod simd;
pub mod strided;
pub mod team;
pub mod unary;
