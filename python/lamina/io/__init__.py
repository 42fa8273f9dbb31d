"""`lamina.io`: tf.io's record parsing, file reading and image decoding."""

from lamina.io.example import (FixedLenFeature, FixedLenSequenceFeature, SparseTensor, VarLenFeature, parse_example,
                               parse_single_example)
from lamina.io.files import TFRecordWriter, read_file, write_file
from lamina.io.image import decode_image, decode_jpeg, decode_png, encode_png

__all__ = ["FixedLenFeature", "FixedLenSequenceFeature", "SparseTensor", "TFRecordWriter", "VarLenFeature",
           "decode_image", "decode_jpeg", "decode_png", "encode_png", "parse_example", "parse_single_example",
           "read_file", "write_file"]
