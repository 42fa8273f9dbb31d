"""Preprocessing layers: normalization, discretization, encoding, image resizing and the random
augmentation layers."""

from lamina.layers.preprocessing.category_encoding import CategoryEncoding
from lamina.layers.preprocessing.discretization import Discretization
from lamina.layers.preprocessing.hashed_crossing import HashedCrossing
from lamina.layers.preprocessing.hashing import Hashing
from lamina.layers.preprocessing.image_resizing import CenterCrop, Resizing
from lamina.layers.preprocessing.index_lookup import IntegerLookup, StringLookup
from lamina.layers.preprocessing.normalization import Normalization
from lamina.layers.preprocessing.random_augmentation import (RandomBrightness, RandomContrast, RandomCrop, RandomFlip,
                                                             RandomRotation, RandomTranslation, RandomZoom)
from lamina.layers.preprocessing.rescaling import Rescaling
from lamina.layers.preprocessing.text_vectorization import TextVectorization

__all__ = ["CategoryEncoding", "CenterCrop", "Discretization", "Normalization", "RandomBrightness", "RandomContrast",
           "RandomCrop", "RandomFlip", "RandomRotation", "RandomTranslation", "RandomZoom", "Rescaling", "Resizing", "IntegerLookup", "StringLookup", "TextVectorization", "Hashing",
           "HashedCrossing"]
