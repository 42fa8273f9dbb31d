"""`lamina.preprocessing.sequence`: keras.preprocessing.sequence's helpers."""

from lamina.utils.sequence_utils import pad_sequences  # noqa: F401
