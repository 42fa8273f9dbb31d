"""`lamina.ops`: tensor operations named and behaving like `keras.ops` / numpy.

Every op runs in the Rust engine and is differentiable where that makes sense. Dtype rule for
binary ops: the result has the wider dtype of the two operands (bool < int32 < int64 <
float32 < float64, except that an integer with float32 stays float32, as in Keras); Python
scalars take the dtype of the tensor beside them. Ops that need floating point (divide, exp,
mean, ...) compute integer inputs in float32.
"""

from lamina.ops.elementwise import *  # noqa: F401,F403
from lamina.ops.reduction import *  # noqa: F401,F403
from lamina.ops._shape import *  # noqa: F401,F403
from lamina.ops.linalg import *  # noqa: F401,F403
from lamina.ops.creation import *  # noqa: F401,F403
from lamina.ops.nn import *  # noqa: F401,F403
from lamina.ops.conv import *  # noqa: F401,F403
from lamina.ops.recurrent import *  # noqa: F401,F403
from lamina.ops._math import *  # noqa: F401,F403
from lamina.ops._arrays import *  # noqa: F401,F403
from lamina.ops._sorting import *  # noqa: F401,F403
from lamina.ops._stats import *  # noqa: F401,F403
from lamina.ops._decompositions import *  # noqa: F401,F403
from lamina.ops._activations_extra import *  # noqa: F401,F403
from lamina.ops._core_extra import *  # noqa: F401,F403
from lamina.ops import image, numpy  # noqa: F401,E402 (keras.ops.image / keras.ops.numpy namespaces)
from lamina.ops._sequences import *  # noqa: F401,F403,E402
from lamina.ops.attention import *  # noqa: F401,F403,E402
