"""A functional model with two inputs and two outputs, Keras-style, on the bundled iris data:
measurements of the sepals and of the petals enter separately, and the model predicts both
the species and the petal width."""

import numpy as np

import lamina as keras
from lamina import layers
from lamina.datasets import iris


def main() -> None:
    keras.utils.set_random_seed(1)
    (x_train, y_train), (x_test, y_test) = iris.load_data()
    mean, std = x_train.mean(0), x_train.std(0)
    x_train, x_test = (x_train - mean) / std, (x_test - mean) / std

    sepal = keras.Input(shape=(2,), name="sepal")
    petal_length = keras.Input(shape=(1,), name="petal_length")
    h_sepal = layers.Dense(8, activation="relu")(sepal)
    h_petal = layers.Dense(8, activation="relu")(petal_length)
    merged = layers.Concatenate()([h_sepal, h_petal])
    hidden = layers.Dense(16, activation="relu")(merged)
    species = layers.Dense(3, activation="softmax", name="species")(hidden)
    width = layers.Dense(1, name="petal_width")(hidden)
    model = keras.Model(inputs=[sepal, petal_length], outputs=[species, width])
    model.compile(optimizer=keras.optimizers.Adam(0.01),
                  loss={"species": "sparse_categorical_crossentropy", "petal_width": "mse"},
                  loss_weights={"species": 1.0, "petal_width": 0.5},
                  metrics={"species": ["accuracy"]})
    model.summary()

    def inputs(x):
        return {"sepal": x[:, :2], "petal_length": x[:, 2:3]}

    model.fit(inputs(x_train), {"species": y_train, "petal_width": x_train[:, 3:4]}, epochs=60, batch_size=16, verbose=0)
    probs, width_pred = model.predict(inputs(x_test), verbose=0)
    accuracy = float(np.mean(np.argmax(probs, axis=1) == y_test))
    width_mae = float(np.mean(np.abs(width_pred[:, 0] - x_test[:, 3])))
    print(f"iris two-input model: species accuracy {accuracy:.3f}, petal width MAE {width_mae:.3f} (standardized units)")


if __name__ == "__main__":
    main()
