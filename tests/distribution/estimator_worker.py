"""A canned estimator trained with or without `RunConfig(train_distribute=...)`, for
test_estimator.py: `[mpirun -n 2] python estimator_worker.py MODEL_DIR OUT.npz [distribute]`."""

import sys

import numpy as np

import lamina

model_dir, out, distribute = sys.argv[1], sys.argv[2], "distribute" in sys.argv[3:]
rng = np.random.default_rng(0)
features = {"a": rng.normal(size=100).astype("float32"), "b": rng.normal(size=100).astype("float32")}
labels = (features["a"] + 0.5 * features["b"] > 0).astype("int64")


def input_fn():
    return lamina.data.Dataset.from_tensor_slices((features, labels)).batch(20).repeat(2)


strategy = lamina.distribute.MultiWorkerMirroredStrategy() if distribute else None
config = lamina.estimators.RunConfig(model_dir=model_dir, tf_random_seed=3, train_distribute=strategy)
columns = [lamina.feature_column.numeric_column("a"), lamina.feature_column.numeric_column("b")]
estimator = lamina.estimators.DNNClassifier(hidden_units=[8], feature_columns=columns, config=config,
                                            optimizer="SGD")
estimator.train(input_fn)
metrics = estimator.evaluate(lambda: lamina.data.Dataset.from_tensor_slices((features, labels)).batch(50))
if config.is_chief:
    values = {name: estimator.get_variable_value(name) for name in estimator.get_variable_names()}
    values.update({f"metric/{k}": np.asarray(v) for k, v in metrics.items()})
    np.savez(out, **values)
