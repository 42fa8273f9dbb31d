"""`lamina.preprocessing`: Keras' keras.preprocessing aliases of the dataset utilities, with
the `image` and `sequence` submodules."""

from lamina.preprocessing import image, sequence  # noqa: F401
from lamina.utils import image_dataset_from_directory, text_dataset_from_directory, timeseries_dataset_from_array  # noqa: F401

__all__ = ["image", "sequence", "image_dataset_from_directory", "text_dataset_from_directory",
           "timeseries_dataset_from_array"]
