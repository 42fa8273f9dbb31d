"""Follows keras-io examples/structured_data/structured_data_classification_from_scratch.py:
numeric features standardized by a Normalization layer adapted to the training data, integer
categorical features one-hot encoded by IntegerLookup, everything concatenated into a Dense
classifier fed a dict of named inputs."""

import numpy as np

import lamina as keras
from lamina import layers

MISSING = None


def encode_numerical_feature(feature, data):
    normalizer = layers.Normalization()
    normalizer.adapt(data)
    return normalizer(feature)


def encode_integer_categorical_feature(feature, data):
    lookup = layers.IntegerLookup(output_mode="one_hot")
    lookup.adapt(data)
    return lookup(feature)


def main():
    rng = np.random.default_rng(29)
    age = rng.integers(20, 80, size=(100, 1)).astype("float32")
    chol = rng.normal(240, 40, size=(100, 1)).astype("float32")
    sex = rng.integers(0, 2, size=(100, 1))
    target = ((age[:, 0] > 50) & (chol[:, 0] > 240)).astype("float32")
    age_in = keras.Input(shape=(1,), name="age")
    chol_in = keras.Input(shape=(1,), name="chol")
    sex_in = keras.Input(shape=(1,), name="sex", dtype="int64")
    all_features = layers.concatenate([encode_numerical_feature(age_in, age), encode_numerical_feature(chol_in, chol),
                                       encode_integer_categorical_feature(sex_in, sex)])
    x = layers.Dropout(0.5)(layers.Dense(16, activation="relu")(all_features))
    output = layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model([age_in, chol_in, sex_in], output)
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    history = model.fit({"age": age, "chol": chol, "sex": sex}, target, epochs=2, verbose=0)
    assert len(history.history["accuracy"]) == 2
