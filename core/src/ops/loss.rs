//! Fused, numerically stable losses (cross-entropies from logits or probabilities, MSE, MAE).
