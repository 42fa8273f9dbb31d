"""Writes the small real datasets bundled with lamina (python/lamina/datasets/data/*.npz).

They come from scikit-learn's copies of the UCI datasets (scikit-learn 1.9.1 was used):
- digits: 1,797 8x8 grey images of handwritten digits (UCI "Optical Recognition of
  Handwritten Digits", CC BY 4.0), pixel values 0..16.
- iris: 150 flowers, 4 measurements, 3 species (UCI Iris, CC BY 4.0).
- diabetes: 442 patients, 10 baseline variables (unscaled), disease progression after one
  year (Efron et al., "Least Angle Regression", 2004).

Run: pip install scikit-learn && python tools/make_bundled_datasets.py
"""

import os

import numpy as np
from sklearn import datasets

OUT = os.path.join(os.path.dirname(__file__), "..", "python", "lamina", "datasets", "data")


def main() -> None:
    os.makedirs(OUT, exist_ok=True)
    d = datasets.load_digits()
    np.savez_compressed(os.path.join(OUT, "digits.npz"), x=d.images.astype(np.uint8), y=d.target.astype(np.uint8))
    i = datasets.load_iris()
    np.savez_compressed(os.path.join(OUT, "iris.npz"), x=i.data.astype(np.float32), y=i.target.astype(np.uint8),
                        feature_names=np.array(i.feature_names), target_names=np.array(i.target_names))
    db = datasets.load_diabetes(scaled=False)
    np.savez_compressed(os.path.join(OUT, "diabetes.npz"), x=db.data.astype(np.float32), y=db.target.astype(np.float32),
                        feature_names=np.array(db.feature_names))


if __name__ == "__main__":
    main()
