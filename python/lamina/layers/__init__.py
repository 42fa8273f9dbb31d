"""`lamina.layers`: Keras' layers, each running its numeric work in the engine."""

from lamina.layers.activation_layers import LeakyReLU, ReLU
from lamina.layers.core.basic import Activation, Dropout, Flatten, Identity, Permute, RepeatVector, Reshape
from lamina.layers.core.dense import Dense
from lamina.layers.core.einsum_dense import EinsumDense
from lamina.layers.activations import ELU, PReLU, Softmax
from lamina.layers.preprocessing import (CategoryEncoding, CenterCrop, Discretization, HashedCrossing, Hashing,
                                         Normalization,
                                         RandomBrightness, RandomContrast, RandomCrop, RandomFlip, RandomRotation,
                                         RandomTranslation, RandomZoom, Rescaling, Resizing, IntegerLookup,
                                         StringLookup, TextVectorization)
from lamina.layers.volumetric import (AveragePooling3D, AvgPool3D, Conv3D, Conv3DTranspose, Convolution3D,
                                      Convolution3DTranspose, Cropping3D,
                                      GlobalAveragePooling3D, GlobalAvgPool3D, GlobalMaxPool3D, GlobalMaxPooling3D,
                                      MaxPool3D, MaxPooling3D, UpSampling3D, ZeroPadding3D)
from lamina.layers.attention import (AdditiveAttention, Attention, GroupedQueryAttention, GroupQueryAttention,
                                     MultiHeadAttention)
from lamina.layers.core.embedding import Embedding
from lamina.layers.core.lambda_layer import Lambda
from lamina.layers.core.masking import Masking
from lamina.layers.core.op_layer import OpLayer
from lamina.layers.convolutional import (Conv1D, Conv1DTranspose, Conv2D, Conv2DTranspose, Convolution1D,
                                         Convolution1DTranspose, Convolution2D, Convolution2DTranspose, DepthwiseConv1D,
                                         DepthwiseConv2D, SeparableConv1D, SeparableConv2D, SeparableConvolution1D,
                                         SeparableConvolution2D)
from lamina.layers.input_layer import Input, InputLayer
from lamina.layers.layer import Layer
from lamina.layers.pooling import (AveragePooling1D, AveragePooling2D, AvgPool1D, AvgPool2D, GlobalAveragePooling1D,
                                   GlobalAveragePooling2D, GlobalAvgPool1D, GlobalAvgPool2D, GlobalMaxPool1D,
                                   GlobalMaxPool2D, GlobalMaxPooling1D, GlobalMaxPooling2D, MaxPool1D, MaxPool2D,
                                   MaxPooling1D, MaxPooling2D)
from lamina.layers.merging import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add,
                                   average, concatenate, maximum, minimum, multiply, subtract)
from lamina.layers.normalization import (BatchNormalization, GroupNormalization, LayerNormalization, RMSNormalization,
                                         UnitNormalization)
from lamina.layers.recurrent import (GRU, LSTM, RNN, Bidirectional, GRUCell, LSTMCell, SimpleRNN, SimpleRNNCell,
                                     TimeDistributed)
from lamina.layers.reshaping import Cropping1D, Cropping2D, UpSampling1D, UpSampling2D, ZeroPadding1D, ZeroPadding2D
from lamina.layers.regularization import (ActivityRegularization, AlphaDropout, GaussianDropout, GaussianNoise,
                                          SpatialDropout1D, SpatialDropout2D, SpatialDropout3D)

__all__ = [
    "Layer", "Input", "InputLayer", "Dense", "Activation", "ReLU", "LeakyReLU", "Dropout", "Flatten", "Reshape", "Permute", "RepeatVector",
    "Lambda", "Identity", "OpLayer", "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate",
    "Dot", "add", "concatenate", "average", "maximum", "minimum", "multiply", "subtract",
    "RNN", "SimpleRNN", "SimpleRNNCell", "LSTM", "LSTMCell", "GRU", "GRUCell", "Bidirectional", "TimeDistributed",
    "Conv1D", "Conv2D", "Convolution1D", "Convolution2D", "Conv1DTranspose", "Conv2DTranspose", "Convolution1DTranspose",
    "Convolution2DTranspose", "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D",
    "SeparableConvolution1D", "SeparableConvolution2D",
    "MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D", "MaxPool1D", "MaxPool2D", "AvgPool1D",
    "AvgPool2D", "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalMaxPooling1D", "GlobalMaxPooling2D",
    "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalMaxPool1D", "GlobalMaxPool2D",
    "ZeroPadding1D", "ZeroPadding2D", "UpSampling1D", "UpSampling2D", "Cropping1D", "Cropping2D",
    "Embedding", "Masking",
    "BatchNormalization", "LayerNormalization", "GroupNormalization", "UnitNormalization", "RMSNormalization",
    "GaussianNoise", "GaussianDropout", "AlphaDropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
    "ActivityRegularization",
    "EinsumDense", "MultiHeadAttention", "Attention", "AdditiveAttention", "GroupedQueryAttention", "GroupQueryAttention",
    "ELU", "PReLU", "Softmax",
    "CategoryEncoding", "CenterCrop", "Discretization", "Normalization", "RandomBrightness", "RandomContrast",
    "RandomCrop", "RandomFlip", "RandomRotation", "RandomTranslation", "RandomZoom", "Rescaling", "Resizing",
    "IntegerLookup", "StringLookup", "TextVectorization", "Hashing", "HashedCrossing",
    "Conv3D", "Convolution3D", "Conv3DTranspose", "Convolution3DTranspose", "MaxPooling3D", "AveragePooling3D", "MaxPool3D", "AvgPool3D", "GlobalAveragePooling3D",
    "GlobalMaxPooling3D", "GlobalAvgPool3D", "GlobalMaxPool3D", "ZeroPadding3D", "Cropping3D", "UpSampling3D",
]
