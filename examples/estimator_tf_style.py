"""A canned Estimator, TensorFlow style: feature columns describe the inputs, input functions
feed them, and train / evaluate / predict run the model, with checkpoints in model_dir.

Classifies the bundled iris flowers with a DNNClassifier.
"""

import tempfile

import lamina
from lamina import feature_column as fc
from lamina.datasets import iris


def features(x):
    return {name: x[:, i] for i, name in enumerate(iris.FEATURE_NAMES)}


def main():
    (x_train, y_train), (x_test, y_test) = iris.load_data()
    columns = [fc.numeric_column(name) for name in iris.FEATURE_NAMES]
    classifier = lamina.estimators.DNNClassifier(
        hidden_units=[16, 16], feature_columns=columns, n_classes=3,
        label_vocabulary=list(iris.TARGET_NAMES), model_dir=tempfile.mkdtemp(prefix="iris_dnn_"),
        config=lamina.estimators.RunConfig(tf_random_seed=0))

    names = [iris.TARGET_NAMES[i] for i in y_train]
    train_input = lamina.estimators.inputs.numpy_input_fn(features(x_train), names, batch_size=32, num_epochs=None,
                                                          shuffle=True, seed=0)
    classifier.train(train_input, steps=2000)

    test_input = lamina.estimators.inputs.numpy_input_fn(
        features(x_test), [iris.TARGET_NAMES[i] for i in y_test], shuffle=False)
    metrics = classifier.evaluate(test_input)
    print({k: round(float(v), 4) for k, v in metrics.items()})

    new_flowers = lamina.estimators.inputs.numpy_input_fn(features(x_test[:3]), shuffle=False)
    for flower in classifier.predict(new_flowers):
        print(flower["classes"][0].decode(), flower["probabilities"].round(3))
    print(f"checkpoint: {classifier.latest_checkpoint()}")
    print(f"test accuracy: {metrics['accuracy']:.4f}")


if __name__ == "__main__":
    main()
