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


def categorical(logits, num_samples: int, dtype="int32", seed=None):
    """Class indices drawn from the categorical distributions given by 2-D `logits` (one row
    per distribution), as a (batch, num_samples) tensor: the Gumbel-max trick over the
    engine's uniform draws (so `seed` behaves as in the other functions).
    """
    from lamina import ops

    logits = ops.convert_to_tensor(logits)
    if len(logits.shape) != 2:
        raise ValueError(f"categorical: logits must be 2-D (batch_size, num_classes), got shape {tuple(logits.shape)}")
    batch, classes = logits.shape
    u = uniform((batch, num_samples, classes), minval=1e-20, maxval=1.0, dtype="float32", seed=seed)
    gumbel = ops.negative(ops.log(ops.negative(ops.log(u))))
    scores = ops.add(ops.expand_dims(ops.cast(logits, "float32"), 1), gumbel)
    return ops.cast(ops.argmax(scores, axis=-1), dtype)


__all__.append("categorical")
