"""Follows keras-io guides/functional_api.py, "All models are callable, just like layers",
"Shared layers" and "Extract and reuse nodes in the graph of layers": an autoencoder built
from an encoder and a decoder model, an ensemble of models, a shared Embedding, and a
feature-extraction model from a model's intermediate outputs."""

import numpy as np

import lamina as keras
from lamina import layers

MISSING = None


def get_model():
    inputs = keras.Input(shape=(8,))
    return keras.Model(inputs, layers.Dense(1)(inputs))


def main():
    encoder_input = keras.Input(shape=(12, 12, 1), name="original_img")
    x = layers.Conv2D(4, 3, activation="relu")(encoder_input)
    x = layers.MaxPooling2D(2)(x)
    encoder_output = layers.GlobalMaxPooling2D()(x)
    encoder = keras.Model(encoder_input, encoder_output, name="encoder")
    decoder_input = keras.Input(shape=(4,), name="encoded_img")
    x = layers.Reshape((2, 2, 1))(decoder_input)
    x = layers.Conv2DTranspose(4, 3, strides=3, activation="relu")(x)
    decoder_output = layers.UpSampling2D(2)(layers.Conv2DTranspose(1, 1, activation="relu")(x))
    decoder = keras.Model(decoder_input, decoder_output, name="decoder")
    autoencoder_input = keras.Input(shape=(12, 12, 1), name="img")
    autoencoder = keras.Model(autoencoder_input, decoder(encoder(autoencoder_input)), name="autoencoder")
    images = np.random.default_rng(6).random((4, 12, 12, 1)).astype("float32")
    assert autoencoder.predict(images, verbose=0).shape == (4, 12, 12, 1)
    assert len(autoencoder.weights) == len(encoder.weights) + len(decoder.weights)

    model1, model2, model3 = get_model(), get_model(), get_model()
    inputs = keras.Input(shape=(8,))
    outputs = layers.average([model1(inputs), model2(inputs), model3(inputs)])
    ensemble = keras.Model(inputs=inputs, outputs=outputs)
    x = np.ones((3, 8), "float32")
    expected = np.mean([m.predict(x, verbose=0) for m in (model1, model2, model3)], axis=0)
    np.testing.assert_allclose(ensemble.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)

    shared_embedding = layers.Embedding(100, 8)
    text_input_a = keras.Input(shape=(None,), dtype="int32")
    text_input_b = keras.Input(shape=(None,), dtype="int32")
    shared = keras.Model([text_input_a, text_input_b], [shared_embedding(text_input_a), shared_embedding(text_input_b)])
    a, b = shared.predict([np.array([[1, 2]]), np.array([[1, 2]])], verbose=0)
    np.testing.assert_allclose(a, b)

    features_list = [layer.output for layer in encoder.layers]
    feat_extraction_model = keras.Model(inputs=encoder.input, outputs=features_list)
    extracted = feat_extraction_model(images)
    assert [tuple(e.shape) for e in extracted] == [(4, 12, 12, 1), (4, 10, 10, 4), (4, 5, 5, 4), (4, 4)]
