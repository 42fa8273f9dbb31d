"""What `compile` turns its loss and metrics arguments into: one object that computes the
total loss of a batch over every output, and one that updates every metric."""

from __future__ import annotations

from lamina import _core
from lamina.layers.symbolic import flatten


def _per_output(spec, output_names, what: str) -> list:
    """Aligns a single/list/dict argument with the model's outputs."""
    n = len(output_names) if output_names else 1
    if isinstance(spec, dict):
        if not output_names:
            raise ValueError(f"`{what}` given as a dict needs a model with named outputs")
        unknown = [k for k in spec if k not in output_names]
        if unknown:
            raise ValueError(f"`{what}` names unknown outputs {unknown}; the model's outputs are {output_names}")
        return [spec.get(name) for name in output_names]
    if isinstance(spec, (list, tuple)) and n > 1:
        if len(spec) != n:
            raise ValueError(f"`{what}` has {len(spec)} entries but the model has {n} outputs {output_names}")
        return list(spec)
    return [spec] * n if n > 1 and what == "loss" else [spec] + [None] * (n - 1)


def _align_targets(y, y_pred, output_names):
    preds = flatten(y_pred)
    if isinstance(y, dict):
        if not output_names:
            raise ValueError("Targets given as a dict need a model with named outputs")
        missing = [n for n in output_names if n not in y]
        if missing:
            raise ValueError(f"Missing targets for outputs {missing}; got targets for {sorted(y)}")
        ys = [y[n] for n in output_names]
    else:
        ys = flatten(y) if isinstance(y, (list, tuple)) else [y]
    if len(ys) != len(preds):
        raise ValueError(f"The model has {len(preds)} output(s) but {len(ys)} target array(s) were given")
    return ys, preds


class CompileLoss:
    """The total loss over every output. With several losses, each output's unweighted loss is
    also tracked as a metric named `<output>_loss`, as Keras logs it."""

    def __init__(self, loss, loss_weights=None, output_names=None):
        from lamina import losses
        from lamina.metrics import Mean

        self.output_names = output_names
        specs = _per_output(loss, output_names, "loss") if output_names and len(output_names) > 1 else [loss]
        self.losses = [losses.get(s) if s is not None else None for s in specs]
        if loss_weights is None:
            self.weights = [1.0] * len(self.losses)
        elif isinstance(loss_weights, dict):
            self.weights = [float(loss_weights.get(n, 1.0)) for n in output_names]
        else:
            self.weights = [float(w) for w in flatten(loss_weights)]
        given = [i for i, fn in enumerate(self.losses) if fn is not None]
        self._trackers = {}
        if len(given) > 1:
            self._trackers = {i: Mean(name=f"{self._output_name(i)}_loss") for i in given}
        self.metrics = list(self._trackers.values())

    def _output_name(self, i: int) -> str:
        return self.output_names[i] if self.output_names else self.losses[i].name

    def __call__(self, y, y_pred, sample_weight=None):
        ys, preds = _align_targets(y, y_pred, self.output_names)
        sws = flatten(sample_weight) if isinstance(sample_weight, (list, tuple)) else [sample_weight] * len(preds)
        total = None
        for i, (loss_fn, w, yt, yp, sw) in enumerate(zip(self.losses, self.weights, ys, preds, sws)):
            if loss_fn is None or yt is None:
                continue
            value = loss_fn(yt, yp, sample_weight=sw)
            if i in self._trackers:
                self._trackers[i].update_state(value, sample_weight=int(yp.shape[0]))
            if w != 1.0:
                value = _core.multiply(value, w)
            total = value if total is None else _core.add(total, value)
        return total


class CompileMetrics:
    """The metrics of `compile(metrics=..., weighted_metrics=...)`, built on the first batch
    (when the shapes that pick an "accuracy" variant are known).

    Logged names follow Keras: a metric keeps the name it was given, prefixed by its output's
    name when the model has several outputs; a repeated name gets `_1`, `_2`...; a weighted
    metric whose name is taken becomes `weighted_<name>`."""

    def __init__(self, metrics, weighted_metrics, output_names=None):
        self.output_names = output_names
        self.specs = metrics
        self.weighted_specs = weighted_metrics
        self.metrics = []
        self.named = []  # (logged name, metric), in log order
        self._per_output = []
        self._built = False

    def _build(self, ys, preds) -> None:
        from lamina import metrics as metrics_module

        multi = len(preds) > 1
        taken = {}
        for weighted, specs in ((False, self.specs), (True, self.weighted_specs)):
            if specs is None:
                continue
            per_out = _per_output(specs, self.output_names, "metrics") if multi else [specs]
            for i, spec in enumerate(per_out):
                prefix = f"{self.output_names[i]}_" if multi and self.output_names else ""
                for s in flatten(spec) if spec is not None else []:
                    if s is None:
                        continue
                    m = metrics_module.resolve(s, ys[i], preds[i])
                    self._per_output.append((i, m, weighted))
                    self.metrics.append(m)
                    self.named.append((_unique_name(prefix, m.name, weighted, taken), m))
        self._built = True

    def build(self, y, y_pred) -> None:
        """Creates the metrics for these targets and predictions (before the first update)."""
        self._build(*_align_targets(y, y_pred, self.output_names))

    def update_state(self, y, y_pred, sample_weight=None) -> None:
        ys, preds = _align_targets(y, y_pred, self.output_names)
        if not self._built:
            self._build(ys, preds)
        for i, m, weighted in self._per_output:
            m.update_state(ys[i], preds[i], sample_weight=sample_weight if weighted else None)


def _unique_name(prefix: str, name: str, weighted: bool, taken: dict) -> str:
    """Keras' rule for the logged name of a compiled metric; `taken` counts the names used."""
    full = prefix + name
    if full in taken and weighted:
        full = f"{prefix}weighted_{name}"
    if full not in taken:
        taken[full] = 1
        return full
    taken[full] += 1
    return f"{full}_{taken[full] - 1}"
