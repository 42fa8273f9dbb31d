"""Follows keras-io guides/functional_api.py, "Models with multiple inputs and outputs": a
ticket classifier with title, body and tag inputs, a priority and a department output, losses
and loss weights given per output name, and fit() fed dicts keyed by input and output name."""

import numpy as np

import lamina as keras
from lamina import layers

MISSING = None


def main():
    num_tags, num_words, num_departments = 6, 50, 3
    title_input = keras.Input(shape=(None,), name="title")
    body_input = keras.Input(shape=(None,), name="body")
    tags_input = keras.Input(shape=(num_tags,), name="tags")
    title_features = layers.Embedding(num_words, 8)(title_input)
    body_features = layers.Embedding(num_words, 8)(body_input)
    title_features = layers.LSTM(8)(title_features)
    body_features = layers.LSTM(4)(body_features)
    x = layers.concatenate([title_features, body_features, tags_input])
    priority_pred = layers.Dense(1, name="priority")(x)
    department_pred = layers.Dense(num_departments, name="department")(x)
    model = keras.Model(inputs=[title_input, body_input, tags_input], outputs={"priority": priority_pred,
                                                                                 "department": department_pred})
    model.compile(
        optimizer=keras.optimizers.RMSprop(1e-3),
        loss={"priority": keras.losses.BinaryCrossentropy(from_logits=True),
              "department": keras.losses.CategoricalCrossentropy(from_logits=True)},
        loss_weights={"priority": 1.0, "department": 0.2},
    )
    rng = np.random.default_rng(4)
    title_data = rng.integers(num_words, size=(64, 7))
    body_data = rng.integers(num_words, size=(64, 12))
    tags_data = rng.integers(2, size=(64, num_tags)).astype("float32")
    priority_targets = rng.random((64, 1))
    dept_targets = rng.integers(2, size=(64, num_departments))
    history = model.fit({"title": title_data, "body": body_data, "tags": tags_data},
                        {"priority": priority_targets, "department": dept_targets}, epochs=2, batch_size=16, verbose=0)
    assert len(history.history["loss"]) == 2
    preds = model.predict({"title": title_data, "body": body_data, "tags": tags_data}, verbose=0)
    assert preds["priority"].shape == (64, 1) and preds["department"].shape == (64, num_departments)
