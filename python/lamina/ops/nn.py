"""Neural-network ops with keras.ops names: softmax, log_softmax, losses, normalization."""

__all__ = []
