"""`lamina.random`: seeded random tensors (uniform, normal, truncated_normal, dropout) and SeedGenerator."""

__all__ = []
