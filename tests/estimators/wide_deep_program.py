"""The wide & deep program of test_wide_deep.py, written once for both libraries (`tf` is
TensorFlow or lamina): shared embeddings of a query and a document column over one
vocabulary, a crossed column in the linear part. The data are made with numpy (PCG64, the
same stream in both environments)."""

import contextlib

import numpy as np

VOCAB = [f"t{i}" for i in range(20)]
CITIES = ["c0", "c1", "c2", "c3", "c4"]
STEPS, SEEDS = 3000, (0, 1, 2)  # near the plateau of both libraries


def data(n=4000, seed=0):
    rng = np.random.default_rng(seed)
    q, d, c = rng.integers(0, 20, n), rng.integers(0, 20, n), rng.integers(0, 5, n)
    age = rng.standard_normal(n).astype(np.float32)
    y = ((q % 4 == d % 4) | ((c < 2) & (age > 0.3))).astype(np.int64)
    features = {"query": np.array(VOCAB)[q], "doc": np.array(VOCAB)[d], "city": np.array(CITIES)[c], "age": age}
    split = n * 3 // 4
    return ({k: v[:split] for k, v in features.items()}, y[:split], {k: v[split:] for k, v in features.items()},
            y[split:])


def estimator(tf, model_dir, seed, dnn_optimizer, columns_scope=contextlib.nullcontext):
    """`dnn_optimizer`: a callable making Adagrad(0.05) of the library (the optimizer classes differ)."""
    fc = tf.feature_column
    with columns_scope():  # TF 2.15 makes shared embeddings only while building a graph
        wide, deep = _columns(fc)
    return tf.estimator.DNNLinearCombinedClassifier(linear_feature_columns=wide, dnn_feature_columns=deep,
                                                    dnn_hidden_units=[32, 16], model_dir=model_dir,
                                                    dnn_optimizer=dnn_optimizer,
                                                    config=tf.estimator.RunConfig(tf_random_seed=seed))


def _columns(fc):
    query = fc.categorical_column_with_vocabulary_list("query", VOCAB)
    doc = fc.categorical_column_with_vocabulary_list("doc", VOCAB)
    city = fc.categorical_column_with_vocabulary_list("city", CITIES)
    age = fc.numeric_column("age")
    wide = [fc.crossed_column([city, fc.bucketized_column(age, [-1.0, 0.0, 0.3, 1.0])], hash_bucket_size=50), city]
    deep = fc.shared_embeddings([query, doc], dimension=8) + [age, fc.indicator_column(city)]
    return wide, deep


def run(tf, numpy_input_fn, model_dir, seed, dnn_optimizer, columns_scope=contextlib.nullcontext) -> float:
    x, y, xt, yt = data()
    est = estimator(tf, model_dir, seed, dnn_optimizer, columns_scope)
    est.train(numpy_input_fn(x, y, batch_size=64, shuffle=True, num_epochs=None), steps=STEPS)
    return float(est.evaluate(numpy_input_fn(xt, yt, batch_size=256, shuffle=False, num_epochs=1))["accuracy"])
