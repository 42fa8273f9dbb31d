//! Random numbers from counter-based seeds: uniform, normal, truncated_normal, dropout.
