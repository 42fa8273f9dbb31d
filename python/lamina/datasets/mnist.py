"""MNIST: 70,000 28x28 grey digits. Not bundled: `load_data` reads the standard IDX files."""

from lamina.datasets._files import load_idx_dataset


def load_data(path: str | None = None):
    """Returns `(x_train, y_train), (x_test, y_test)` (uint8) from the four standard files
    (train-images-idx3-ubyte.gz, ...) in `path` or ~/.lamina/datasets/mnist."""
    return load_idx_dataset("mnist", path, "the MNIST database site (yann.lecun.com/exdb/mnist) and its mirrors")
