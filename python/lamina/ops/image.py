"""`lamina.ops.image`: Keras' keras.ops.image namespace."""

from lamina.ops._image_ops import *  # noqa: F401,F403
from lamina.ops._image_resize import *  # noqa: F401,F403
