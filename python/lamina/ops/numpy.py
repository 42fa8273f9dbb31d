"""`lamina.ops.numpy`: Keras' keras.ops.numpy namespace (the numpy-named ops of lamina.ops)."""

from lamina.ops._arrays import *  # noqa: F401,F403
from lamina.ops._math import *  # noqa: F401,F403
from lamina.ops._shape import *  # noqa: F401,F403
from lamina.ops._sorting import argpartition, argsort, bincount, cumprod, cumsum, diff, digitize, histogram  # noqa: F401
from lamina.ops._sorting import median, percentile, quantile, searchsorted, sort, unique  # noqa: F401
from lamina.ops._stats import *  # noqa: F401,F403
from lamina.ops._core_extra import (bartlett, bitwise_left_shift, bitwise_not, bitwise_right_shift, blackman,  # noqa: F401
                                    gcd, hamming, hanning, kaiser, lcm, ldexp, left_shift, nextafter, right_shift)
from lamina.ops._decompositions import slogdet  # noqa: F401
from lamina.ops._sequences import view  # noqa: F401
from lamina.ops.creation import *  # noqa: F401,F403
from lamina.ops.elementwise import *  # noqa: F401,F403
from lamina.ops.linalg import dot, einsum, inner, matmul, outer, tensordot, trace, diagonal, vdot  # noqa: F401
from lamina.ops.reduction import *  # noqa: F401,F403
