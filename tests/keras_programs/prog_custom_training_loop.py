"""Follows keras-io guides/writing_a_custom_training_loop_in_tensorflow.py: a training loop
written by hand over Dataset batches with GradientTape, optimizer.apply, a loss function
called directly, train and validation metrics updated, read and reset each epoch, and an
add_loss() regularization term added to the loss."""

import numpy as np

import lamina as keras
from lamina import layers, ops

MISSING = None


class ActivityRegularizationLayer(layers.Layer):
    def call(self, inputs):
        self.add_loss(1e-3 * ops.sum(inputs))
        return inputs


def get_model(with_reg=False):
    inputs = keras.Input(shape=(16,), name="digits")
    x = layers.Dense(32, activation="relu")(inputs)
    if with_reg:
        x = ActivityRegularizationLayer()(x)
    x = layers.Dense(32, activation="relu")(x)
    return keras.Model(inputs=inputs, outputs=layers.Dense(10, name="predictions")(x))


def main():
    rng = np.random.default_rng(12)
    x = rng.random((192, 16)).astype("float32")
    y = (x[:, :10].argmax(axis=1)).astype("int64")
    train_dataset = keras.data.Dataset.from_tensor_slices((x[:160], y[:160])).shuffle(160).batch(32)
    val_dataset = keras.data.Dataset.from_tensor_slices((x[160:], y[160:])).batch(32)

    for with_reg in (False, True):
        model = get_model(with_reg)
        optimizer = keras.optimizers.Adam(learning_rate=1e-2)
        loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        train_acc_metric = keras.metrics.SparseCategoricalAccuracy()
        val_acc_metric = keras.metrics.SparseCategoricalAccuracy()
        epoch_losses = []
        for epoch in range(6):
            losses = []
            for step, (x_batch_train, y_batch_train) in enumerate(train_dataset):
                with keras.GradientTape() as tape:
                    logits = model(x_batch_train, training=True)
                    loss_value = loss_fn(y_batch_train, logits)
                    if with_reg:
                        loss_value = loss_value + sum(model.losses)
                grads = tape.gradient(loss_value, model.trainable_weights)
                optimizer.apply(grads, model.trainable_weights)
                train_acc_metric.update_state(y_batch_train, logits)
                losses.append(float(loss_value))
            train_acc = float(train_acc_metric.result())
            train_acc_metric.reset_state()
            for x_batch_val, y_batch_val in val_dataset:
                val_acc_metric.update_state(y_batch_val, model(x_batch_val, training=False))
            val_acc = float(val_acc_metric.result())
            val_acc_metric.reset_state()
            assert 0.0 <= train_acc <= 1.0 and 0.0 <= val_acc <= 1.0
            epoch_losses.append(np.mean(losses))
        assert epoch_losses[-1] < epoch_losses[0], epoch_losses
        assert len(model.losses) == (1 if with_reg else 0)
