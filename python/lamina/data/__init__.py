"""`lamina.data`: tf.data's input pipelines (Dataset, file readers, options), accepted by
fit/evaluate/predict."""

from lamina.data import experimental
from lamina.data._parallel import AUTOTUNE
from lamina.data.dataset import INFINITE as INFINITE_CARDINALITY
from lamina.data.dataset import UNKNOWN as UNKNOWN_CARDINALITY
from lamina.data.dataset import Dataset
from lamina.data.iterator import Iterator, IteratorCheckpoint
from lamina.data.options import AutotuneOptions, Options, ThreadingOptions
from lamina.data.readers import TextLineDataset, TFRecordDataset
from lamina.data.structure import TensorSpec

__all__ = ["AUTOTUNE", "AutotuneOptions", "Dataset", "INFINITE_CARDINALITY", "Iterator", "IteratorCheckpoint", "Options", "TensorSpec",
           "TextLineDataset", "TFRecordDataset", "ThreadingOptions", "UNKNOWN_CARDINALITY", "experimental"]
