"""`lamina.datasets`: small real datasets bundled with the package (no network), and loaders
for the standard published files of MNIST, Fashion-MNIST and CIFAR-10 when you have them.

Each module has `load_data(...)` returning `(x_train, y_train), (x_test, y_test)` as
`keras.datasets` does.
"""

from lamina.datasets import cifar10, diabetes, digits, fashion_mnist, iris, mnist
# Keras' loaders reading Keras' own cache (~/.keras/datasets); nothing downloads.
from lamina.datasets import boston_housing, california_housing, cifar100, imdb, reuters  # noqa: E402

__all__ = ["cifar10", "diabetes", "digits", "fashion_mnist", "iris", "mnist", "boston_housing", "california_housing",
           "cifar100", "imdb", "reuters"]
