"""The Estimator run whose model_dir summaries lamina and TensorFlow's Estimators must write
alike; shared by the test and make_estimator_summary_listing.py. `tf_like` is a namespace with
`estimator`, `feature_column` and `numpy_input_fn` (from TensorFlow or from lamina)."""

import numpy as np

STEPS = 15
SAVE_SUMMARY_STEPS, LOG_STEP_COUNT_STEPS = 3, 4


def run(tf_like, model_dir):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 4)).astype("float32")
    y = rng.integers(0, 3, 40).astype("int64")
    config = tf_like.estimator.RunConfig(tf_random_seed=0, save_summary_steps=SAVE_SUMMARY_STEPS,
                                         log_step_count_steps=LOG_STEP_COUNT_STEPS)
    classifier = tf_like.estimator.DNNClassifier(hidden_units=[4], n_classes=3, model_dir=model_dir, config=config,
                                                 feature_columns=[tf_like.feature_column.numeric_column("x", (4,))])
    classifier.train(tf_like.numpy_input_fn({"x": x}, y, batch_size=8, num_epochs=None, shuffle=False), steps=STEPS)
    results = {
        "eval": classifier.evaluate(tf_like.numpy_input_fn({"x": x}, y, batch_size=8, shuffle=False), steps=2),
        "eval_holdout": classifier.evaluate(tf_like.numpy_input_fn({"x": x[:8]}, y[:8], batch_size=8, shuffle=False),
                                            name="holdout"),
    }
    return {run: {k: float(v) for k, v in metrics.items()} for run, metrics in results.items()}
