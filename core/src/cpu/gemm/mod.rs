//! The packed, register-blocked GEMM behind matmul and the convolutions.
