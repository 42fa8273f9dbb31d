"""Diabetes: 442 patients, 10 unscaled baseline variables (float32), target a measure of
disease progression one year later (float32). Bundled (Efron et al., 2004).
"""

from lamina.datasets._bundled import load_npz, split

FEATURE_NAMES = ("age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6")


def load_data(test_split: float = 0.2, seed: int = 113):
    """Returns `(x_train, y_train), (x_test, y_test)` after a seeded shuffle."""
    d = load_npz("diabetes")
    return split(d["x"], d["y"], test_split, seed)
