"""Linear algebra: matmul, dot, tensordot, einsum, outer, inner, vdot, trace, diagonal, and
fused_linear (matmul + bias + activation in one pass, for Dense layers).

All products run on the engine's packed GEMM (AVX-512 / AVX2 micro-kernels, both cores for
large products); transposed and broadcast operands are read in place, never copied.
"""

from lamina import _core

matmul = _core.matmul
dot = _core.dot
tensordot = _core.tensordot
einsum = _core.einsum
outer = _core.outer
inner = _core.inner
vdot = _core.vdot
trace = _core.trace
diagonal = _core.diagonal
fused_linear = _core.fused_linear

__all__ = ["matmul", "dot", "tensordot", "einsum", "outer", "inner", "vdot", "trace", "diagonal", "fused_linear"]
from lamina.ops._decompositions import *  # noqa: F401,F403,E402 (keras.ops.linalg names)
