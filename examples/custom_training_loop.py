"""A custom training loop with GradientTape, as in TensorFlow 2: the forward pass is recorded,
the gradient runs in lamina's engine, and the optimizer applies it."""

import numpy as np

import lamina as keras
from lamina import layers, losses, metrics, optimizers
from lamina.datasets import digits


def main() -> None:
    keras.utils.set_random_seed(2)
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    x_train = x_train.reshape(-1, 64).astype("float32") / 16.0
    x_test = x_test.reshape(-1, 64).astype("float32") / 16.0

    model = keras.Sequential([keras.Input((64,)), layers.Dense(64, activation="relu"), layers.Dense(10)])
    loss_fn = losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = optimizers.Adam(1e-3)
    train_acc = metrics.SparseCategoricalAccuracy()
    dataset = keras.data.Dataset.from_tensor_slices((x_train, y_train)).shuffle(2048, seed=0).batch(32)

    for epoch in range(15):
        train_acc.reset_state()
        for x, y in dataset:
            with keras.GradientTape() as tape:
                logits = model(x, training=True)
                loss = loss_fn(y, logits)
            grads = tape.gradient(loss, model.trainable_weights)
            optimizer.apply_gradients(zip(grads, model.trainable_weights))
            train_acc.update_state(y, logits)
        if epoch % 5 == 4:
            print(f"epoch {epoch + 1}: loss {float(loss):.4f}, train accuracy {train_acc.result():.4f}")
    test_acc = metrics.SparseCategoricalAccuracy()
    test_acc.update_state(y_test, model(x_test))
    print(f"custom loop: test accuracy {test_acc.result():.4f}")


if __name__ == "__main__":
    main()
