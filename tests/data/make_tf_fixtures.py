"""Writes the tf.data fixtures: input files written by real TensorFlow (TFRecord files of
tf.train.Example, text, CSV, images) and the outputs of every case in tf_data_cases.py.

Run with TensorFlow (not needed by the tests):
    /work/venv-tf/bin/python tests/data/make_tf_fixtures.py
"""

import gzip
import json
import os
import platform
import sys

import numpy as np
import tensorflow as tf

sys.path.insert(0, os.path.dirname(__file__))
import tf_data_cases  # noqa: E402
from make_tf_fixtures_spec import feature_spec  # noqa: E402

OUT = tf_data_cases.FIXTURES

def write_inputs():
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "lines_a.txt"), "w", newline="") as f:
        f.write("first line\nsecond, with comma\r\n\nlast without newline")
    with open(os.path.join(OUT, "lines_b.txt"), "w") as f:
        f.write("b1\nb2\n")
    with open(os.path.join(OUT, "lines_a.txt"), "rb") as f, gzip.GzipFile(os.path.join(OUT, "lines_a.txt.gz"), "wb", mtime=0) as g:
        g.write(f.read())
    with open(os.path.join(OUT, "table.csv"), "w") as f:
        f.write("age,height,city,label\n31,1.75,Oslo,1\n45,1.62,Lima,0\n27,1.80,\"Kyoto, JP\",1\n,1.5,Rome,0\n52,1.7,Nice,1\n")
    records = []
    for i in range(5):
        feats = {
            "id": tf.train.Feature(int64_list=tf.train.Int64List(value=[i])),
            "pair": tf.train.Feature(float_list=tf.train.FloatList(value=[i + 0.5, -i * 1.25])),
            "name": tf.train.Feature(bytes_list=tf.train.BytesList(value=[f"item-{i}".encode()])),
            "tags": tf.train.Feature(bytes_list=tf.train.BytesList(value=[b"t%d" % j for j in range(i % 3)])),
            "scores": tf.train.Feature(float_list=tf.train.FloatList(value=[0.25 * j for j in range(i)])),
            "seq": tf.train.Feature(int64_list=tf.train.Int64List(value=list(range(2 * (i % 3))))),
        }
        records.append(tf.train.Example(features=tf.train.Features(feature=feats)).SerializeToString())
    for name, compression in (("examples.tfrecord", None), ("examples.tfrecord.gz", "GZIP"),
                              ("examples.tfrecord.zlib", "ZLIB")):
        with tf.io.TFRecordWriter(os.path.join(OUT, name), options=compression) as w:
            for r in records:
                w.write(r)
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (5, 7, 3), dtype=np.uint8)
    tf.io.write_file(os.path.join(OUT, "rgb.png"), tf.io.encode_png(rgb))
    tf.io.write_file(os.path.join(OUT, "gray.png"), tf.io.encode_png(rgb[:, :, :1]))
    tf.io.write_file(os.path.join(OUT, "rgb.jpg"), tf.io.encode_jpeg(rgb, quality=95))


class TFOps:
    arange = staticmethod(lambda x: tf.range(x))
    int64 = staticmethod(lambda v: tf.constant(v, tf.int64))
    float32 = staticmethod(lambda v: tf.constant(v, tf.float32))
    size = staticmethod(lambda x: tf.size(x))
    fail_if_zero = staticmethod(lambda x: tf.debugging.check_numerics(1.0 / x, "division by zero"))
    spec_int64_2 = tf.TensorSpec([2], tf.int64)
    strings = staticmethod(lambda v: tf.constant(v, tf.string))

    @staticmethod
    def parse_all(D):
        batch = next(iter(D.TFRecordDataset(os.path.join(OUT, "examples.tfrecord")).batch(10)))
        dtypes = {"int64": tf.int64, "float32": tf.float32, "string": tf.string}
        spec = feature_spec(tf.io, dtypes)
        single = {k: v for k, v in spec.items() if not isinstance(v, tf.io.FixedLenSequenceFeature)}
        parsed = tf.io.parse_example(batch, spec)
        one = tf.io.parse_single_example(batch[3], single)
        to_np = lambda d: {k: (tf.sparse.to_dense(v) if False else v) for k, v in d.items()}  # noqa: E731
        return ({k: _np(v) for k, v in to_np(parsed).items()}, {k: _np(v) for k, v in one.items()})


class _Sparse:
    def __init__(self, s):
        self.indices, self.values, self.dense_shape = s.indices.numpy(), s.values.numpy(), s.dense_shape.numpy()


def _np(v):
    return _Sparse(v) if isinstance(v, tf.sparse.SparseTensor) else v.numpy()


def main():
    write_inputs()
    results = {"cases": {}, "terminal": {}}
    for name, build in tf_data_cases.cases(tf.data, TFOps).items():
        results["cases"][name] = [tf_data_cases.encode(e) for e in build().as_numpy_iterator()]
    for name, run in tf_data_cases.terminal_cases(tf.data, TFOps).items():
        value = run()
        value = tf.nest.map_structure(lambda t: t.numpy() if hasattr(t, "numpy") else t, value)
        results["terminal"][name] = tf_data_cases.encode(value)
    images = {}
    for name in ("rgb.png", "gray.png", "rgb.jpg"):
        data = tf.io.read_file(os.path.join(OUT, name))
        images[name] = {"decode_image": tf_data_cases.encode(tf.io.decode_image(data).numpy()),
                        "decode_image_3": tf_data_cases.encode(tf.io.decode_image(data, channels=3).numpy())}
    results["images"] = images
    results["dataset_methods"] = sorted(m for m in dir(tf.data.Dataset) if not m.startswith("_"))
    results["versions"] = {"tensorflow": tf.__version__, "numpy": np.__version__, "python": platform.python_version()}
    with open(os.path.join(OUT, "tf_data_expected.json"), "w") as f:
        json.dump(results, f, indent=0, sort_keys=True)
    print("wrote", len(results["cases"]), "cases and", len(results["terminal"]), "terminal results")


if __name__ == "__main__":
    main()
