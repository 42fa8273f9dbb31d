"""lamina's main job: train a classifier on the bundled handwritten digits, end to end.

Softmax regression written with lamina's engine directly: GradientTape records the forward
pass, the gradient runs in Rust, and plain SGD updates the Variables.
"""

import time

import numpy as np

import lamina as lm
from lamina import ops
from lamina.datasets import digits


def main() -> None:
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    x_train = (x_train.reshape(len(x_train), -1) / 16.0).astype(np.float32)
    x_test = (x_test.reshape(len(x_test), -1) / 16.0).astype(np.float32)
    onehot = np.eye(10, dtype=np.float32)[y_train]

    rng = np.random.default_rng(0)
    w = lm.Variable(rng.normal(0, 0.01, (64, 10)).astype(np.float32), name="w")
    b = lm.Variable(np.zeros(10, np.float32), name="b")
    lr, batch = 0.5, 64
    start = time.perf_counter()
    for epoch in range(30):
        order = rng.permutation(len(x_train))
        for i in range(0, len(order), batch):
            idx = order[i:i + batch]
            x, y = lm.tensor(x_train[idx]), lm.tensor(onehot[idx])
            with lm.GradientTape() as tape:
                logits = x @ w + b
                log_z = ops.log(ops.sum(ops.exp(logits), axis=1, keepdims=True))
                loss = ops.sum((log_z - logits) * y) / float(len(idx))
            gw, gb = tape.gradient(loss, [w, b])
            w.assign_sub(gw * lr)
            b.assign_sub(gb * lr)
    elapsed = time.perf_counter() - start
    pred = np.argmax(np.asarray(lm.tensor(x_test) @ w + b), axis=1)
    accuracy = float(np.mean(pred == y_test))
    print(f"digits softmax regression: test accuracy {accuracy:.4f} on {len(y_test)} images "
          f"after 30 epochs in {elapsed:.2f} s")


if __name__ == "__main__":
    main()
