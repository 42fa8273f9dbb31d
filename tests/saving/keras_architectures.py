"""The architectures of the Keras-file tests, written once against the Keras API so the same
code builds them in Keras (tools/make_keras_fixtures.py makes the committed fixtures with it)
and in lamina (the round-trip test saves lamina-built models and loads them in Keras 3).

Each builder takes the `keras` module (or `lamina`) and a numpy Generator and returns
(model, inputs, training targets, loss).
"""


def mlp(keras, rng):
    L = keras.layers
    model = keras.Sequential([
        keras.Input(shape=(6,)),
        L.Dense(8, activation="relu", name="d1"),
        L.BatchNormalization(name="bn"),
        L.Dropout(0.3),
        L.Dense(8, activation="tanh"),
        L.BatchNormalization(center=False, name="bn_no_center"),
        L.Dense(8),
        L.BatchNormalization(scale=False, name="bn_no_scale"),
        L.Dense(4, activation="softmax", name="out"),
    ], name="mlp")
    x = rng.normal(size=(5, 6)).astype("float32")
    return model, [x], [rng.integers(0, 4, size=(5,))], "sparse_categorical_crossentropy"


def cnn(keras, rng):
    L = keras.layers
    model = keras.Sequential([
        keras.Input(shape=(8, 8, 2)),
        L.Conv2D(4, 3, padding="same", activation="relu", name="c1"),
        L.MaxPooling2D(2),
        L.Conv2D(5, (2, 3), strides=(1, 1), name="c2"),
        L.BatchNormalization(),
        L.AveragePooling2D(pool_size=(1, 2)),
        L.Flatten(),
        L.Dense(3, activation="softmax"),
    ], name="cnn")
    x = rng.normal(size=(4, 8, 8, 2)).astype("float32")
    return model, [x], [rng.integers(0, 3, size=(4,))], "sparse_categorical_crossentropy"


def conv1d(keras, rng):
    L = keras.layers
    model = keras.Sequential([
        keras.Input(shape=(12, 3)),
        L.Conv1D(4, 3, activation="relu", name="k3"),
        L.MaxPooling1D(2),
        L.Conv1D(4, 2, padding="same", dilation_rate=2, name="k2_dilated"),
        L.GlobalAveragePooling1D(),
        L.Dense(2),
    ], name="conv1d")
    x = rng.normal(size=(4, 12, 3)).astype("float32")
    return model, [x], [rng.normal(size=(4, 2)).astype("float32")], "mse"


def embedding_lstm(keras, rng):
    L = keras.layers
    model = keras.Sequential([
        keras.Input(shape=(7,), dtype="int32"),
        L.Embedding(20, 5, mask_zero=True, name="emb"),
        L.LSTM(6, name="lstm"),
        L.Dense(3, activation="softmax"),
    ], name="embedding_lstm")
    x = rng.integers(1, 20, size=(4, 7)).astype("int32")
    x[1, 5:] = 0  # padded sequences: the mask matters
    x[3, 2:] = 0
    return model, [x], [rng.integers(0, 3, size=(4,))], "sparse_categorical_crossentropy"


def gru_stack(keras, rng):
    L = keras.layers
    model = keras.Sequential([
        keras.Input(shape=(5, 4)),
        L.GRU(6, return_sequences=True, name="gru"),
        L.GRU(5, return_sequences=True, reset_after=False, name="gru_v1"),
        L.SimpleRNN(4, name="rnn"),
        L.Dense(2),
    ], name="gru_stack")
    x = rng.normal(size=(3, 5, 4)).astype("float32")
    return model, [x], [rng.normal(size=(3, 2)).astype("float32")], "mse"


def multi_io(keras, rng):
    L = keras.layers
    seq = keras.Input(shape=(6, 3), name="seq")
    feats = keras.Input(shape=(4,), name="feats")
    h = L.Bidirectional(L.LSTM(5, return_sequences=True), name="bilstm")(seq)
    h = L.LayerNormalization(name="ln_seq")(h)
    h = L.Bidirectional(L.GRU(4), merge_mode="sum", name="bigru")(h)
    f = L.Dense(4, activation="relu", name="feats_dense")(feats)
    z = L.Concatenate(name="concat")([h, f])
    z = L.LayerNormalization(name="ln")(z)
    cls = L.Dense(3, activation="softmax", name="cls")(z)
    reg = L.Dense(1, name="reg")(z)
    model = keras.Model([seq, feats], [cls, reg], name="multi_io")
    xs = [rng.normal(size=(4, 6, 3)).astype("float32"), rng.normal(size=(4, 4)).astype("float32")]
    ys = [rng.integers(0, 3, size=(4,)), rng.normal(size=(4, 1)).astype("float32")]
    return model, xs, ys, ["sparse_categorical_crossentropy", "mse"]


def nested(keras, rng):
    L = keras.layers
    inner_seq = keras.Sequential([
        keras.Input(shape=(4,)),
        L.Dense(6, activation="relu", name="inner_d1"),
        L.Dense(5, name="inner_d2"),
    ], name="inner_seq")
    # A frozen sublayer: Keras then lists the nested model's weights trainable ones first, so
    # its files no longer follow the sublayers' order.
    inner_seq.get_layer("inner_d1").trainable = False
    ii = keras.Input(shape=(5,))
    inner_fn = keras.Model(ii, L.Dense(3, name="fn_out")(L.LayerNormalization(name="fn_ln")(ii)), name="inner_fn")
    a = keras.Input(shape=(4,), name="a")
    b = keras.Input(shape=(4,), name="b")
    shared = L.Dense(4, activation="tanh", name="shared")
    ha = inner_seq(shared(a))  # a shared layer and a shared nested model, each called twice
    hb = inner_seq(shared(b))
    out = inner_fn(L.Add(name="add")([ha, hb]))
    model = keras.Model([a, b], out, name="nested")
    xs = [rng.normal(size=(3, 4)).astype("float32"), rng.normal(size=(3, 4)).astype("float32")]
    return model, xs, [rng.normal(size=(3, 3)).astype("float32")], "mse"


def encoder_decoder(keras, rng):
    L = keras.layers
    source = keras.Input(shape=(5, 3), name="source")
    target = keras.Input(shape=(4, 2), name="target")
    _, h, c = L.LSTM(4, return_state=True, name="encoder")(source)
    # Keras 2 saves this call as one on [target, h, c]; Keras 3 as initial_state in kwargs.
    decoded = L.LSTM(4, return_sequences=True, name="decoder")(target, initial_state=[h, c])
    model = keras.Model([source, target], L.Dense(2, name="head")(decoded), name="encoder_decoder")
    xs = [rng.normal(size=(2, 5, 3)).astype("float32"), rng.normal(size=(2, 4, 2)).astype("float32")]
    return model, xs, [rng.normal(size=(2, 4, 2)).astype("float32")], "mse"


def convs_td(keras, rng):
    L = keras.layers
    model = keras.Sequential([
        keras.Input(shape=(8, 8, 3)),
        L.DepthwiseConv2D(3, depth_multiplier=2, activation="relu", name="dw"),
        L.SeparableConv2D(4, 3, padding="same", name="sep"),
        L.Conv2DTranspose(2, 3, name="deconv"),
        L.MaxPooling2D(2),
        L.Reshape((16, 2)),
        L.TimeDistributed(L.Dense(3), name="td"),
    ], name="convs_td")
    x = rng.normal(size=(2, 8, 8, 3)).astype("float32")
    return model, [x], [rng.normal(size=(2, 16, 3)).astype("float32")], "mse"


ARCHITECTURES = [mlp, cnn, conv1d, embedding_lstm, gru_stack, multi_io, nested, encoder_decoder, convs_td]


def set_small_weights(model, rng) -> None:
    """Small seeded random weights; BatchNormalization's moving variances stay positive."""
    values = []
    for w in model.weights:
        shape = tuple(w.shape)
        if "moving_variance" in w.name.split(":")[0]:
            values.append(rng.uniform(0.5, 1.5, size=shape))
        else:
            values.append(rng.normal(0.0, 0.3, size=shape))
    model.set_weights([v.astype("float32") for v in values])


def compile_arguments(keras, loss) -> dict:
    """Adam and one metric per output, as the fixtures were compiled."""
    metric = {"sparse_categorical_crossentropy": "accuracy", "mse": "mae"}
    metrics = [[metric[l]] for l in loss] if isinstance(loss, list) else [metric[loss]]
    return {"optimizer": keras.optimizers.Adam(learning_rate=1e-3), "loss": loss, "metrics": metrics}
