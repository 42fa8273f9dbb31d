"""Fashion-MNIST: 70,000 28x28 grey clothing images. Not bundled: reads the standard IDX files."""

from lamina.datasets._files import load_idx_dataset


def load_data(path: str | None = None):
    """Returns `(x_train, y_train), (x_test, y_test)` (uint8) from the four standard files in
    `path` or ~/.lamina/datasets/fashion_mnist."""
    return load_idx_dataset("fashion_mnist", path, "github.com/zalandoresearch/fashion-mnist")
