"""The Example features the fixtures write and parse (shared by the TensorFlow script and the tests)."""

FEATURES = {
    "id": ("fixed", [], "int64"),
    "pair": ("fixed", [2], "float32"),
    "name": ("fixed", [], "string"),
    "tags": ("varlen", None, "string"),
    "scores": ("varlen", None, "float32"),
    "seq": ("sequence", [2], "int64"),
    "missing": ("fixed_default", [], "int64"),
}


def feature_spec(io, dtypes):
    spec = {}
    for key, (kind, shape, dtype) in FEATURES.items():
        dt = dtypes[dtype]
        if kind == "fixed":
            spec[key] = io.FixedLenFeature(shape, dt)
        elif kind == "fixed_default":
            spec[key] = io.FixedLenFeature(shape, dt, default_value=-7)
        elif kind == "varlen":
            spec[key] = io.VarLenFeature(dt)
        else:
            spec[key] = io.FixedLenSequenceFeature(shape, dt, allow_missing=True)
    return spec
