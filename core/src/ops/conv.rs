//! Convolutions: conv 1-D/2-D, depthwise, separable, transpose.
