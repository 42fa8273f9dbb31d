"""Iris: 150 flowers, 4 measurements in cm (float32), 3 species (labels 0..2). Bundled.

Feature names: sepal length, sepal width, petal length, petal width.
"""

from lamina.datasets._bundled import load_npz, split

FEATURE_NAMES = ("sepal_length", "sepal_width", "petal_length", "petal_width")
TARGET_NAMES = ("setosa", "versicolor", "virginica")


def load_data(test_split: float = 0.2, seed: int = 113):
    """Returns `(x_train, y_train), (x_test, y_test)` after a seeded shuffle."""
    d = load_npz("iris")
    return split(d["x"], d["y"], test_split, seed)
