//! Neural ops: softmax, log_softmax, normalization.
