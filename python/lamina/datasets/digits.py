"""Handwritten digits: 1,797 grey 8x8 images (pixel values 0..16), labels 0..9.

From the UCI "Optical Recognition of Handwritten Digits" data (CC BY 4.0), bundled.
"""

from lamina.datasets._bundled import load_npz, split


def load_data(test_split: float = 0.2, seed: int = 113):
    """Returns `(x_train, y_train), (x_test, y_test)`: uint8 images of shape (n, 8, 8) and
    uint8 labels, split after a seeded shuffle."""
    d = load_npz("digits")
    return split(d["x"], d["y"], test_split, seed)
