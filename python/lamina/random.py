"""`lamina.random`: seeded random tensors, as `keras.random`.

Every function takes `seed`: None draws from the global generator (reseeded by
`lamina.utils.set_random_seed`), an int gives the same numbers on every call, and a
`SeedGenerator` gives new numbers on every call in a reproducible sequence. The numbers come
from a counter-based generator (Philox4x32-10) in the engine: a given seed produces the same
values on every machine and with any number of threads.
"""

from lamina import _core

SeedGenerator = _core.SeedGenerator
uniform = _core.random_uniform
normal = _core.random_normal
truncated_normal = _core.random_truncated_normal
randint = _core.random_randint
shuffle = _core.random_shuffle
dropout = _core.random_dropout

__all__ = ["SeedGenerator", "uniform", "normal", "truncated_normal", "randint", "shuffle", "dropout"]
