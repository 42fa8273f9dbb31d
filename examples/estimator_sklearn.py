"""A canned Estimator, scikit-learn style: the same class is a scikit-learn estimator, so it
fits arrays, sits in a Pipeline and is tuned with GridSearchCV.

Classifies the bundled handwritten digits (8x8 images, 64 numeric features).
"""

from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import lamina
from lamina.datasets import digits


def main():
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    x_train = x_train.reshape(len(x_train), -1)
    x_test = x_test.reshape(len(x_test), -1)

    # No feature columns: each of the 64 columns of X becomes a numeric feature.
    pipeline = make_pipeline(StandardScaler(), lamina.estimators.DNNClassifier(hidden_units=[64], epochs=20,
                                                                               random_state=0))
    search = GridSearchCV(pipeline, {"dnnclassifier__hidden_units": [[32], [64, 32]],
                                     "dnnclassifier__optimizer": ["Adagrad", "Adam"]}, cv=3, n_jobs=2)
    search.fit(x_train, y_train)
    print(f"best parameters: {search.best_params_} (cross-validated accuracy {search.best_score_:.4f})")

    best = search.best_estimator_
    print(f"classes: {best[-1].classes_}, features: {best[-1].n_features_in_}")
    print(f"probabilities of the first test image: {best.predict_proba(x_test[:1]).round(3)}")
    print(f"test accuracy: {best.score(x_test, y_test):.4f}")


if __name__ == "__main__":
    main()
