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
    def __init__(self, loss, loss_weights=None, output_names=None):
        from lamina import losses

        self.output_names = output_names
        specs = _per_output(loss, output_names, "loss") if output_names and len(output_names) > 1 else [loss]
        self.losses = [losses.get(s) if s is not None else None for s in specs]
        if loss_weights is None:
            self.weights = [1.0] * len(self.losses)
        elif isinstance(loss_weights, dict):
            self.weights = [float(loss_weights.get(n, 1.0)) for n in output_names]
        else:
            self.weights = [float(w) for w in flatten(loss_weights)]

    def __call__(self, y, y_pred, sample_weight=None):
        ys, preds = _align_targets(y, y_pred, self.output_names)
        sws = flatten(sample_weight) if isinstance(sample_weight, (list, tuple)) else [sample_weight] * len(preds)
        total = None
        for loss_fn, w, yt, yp, sw in zip(self.losses, self.weights, ys, preds, sws):
            if loss_fn is None or yt is None:
                continue
            value = loss_fn(yt, yp, sample_weight=sw)
            if w != 1.0:
                value = _core.multiply(value, w)
            total = value if total is None else _core.add(total, value)
        return total


class CompileMetrics:
    def __init__(self, metrics, weighted_metrics, loss, output_names=None):
        self.output_names = output_names
        self.specs = metrics
        self.weighted_specs = weighted_metrics
        self.loss = loss
        self.metrics = []
        self._built = False
        self._per_output = []

    def _build(self, ys, preds) -> None:
        from lamina import losses
        from lamina import metrics as metrics_module

        names = self.output_names or [None]
        multi = len(preds) > 1
        loss_specs = _per_output(self.loss, self.output_names, "loss") if multi else [self.loss]
        for kind, specs in (("plain", self.specs), ("weighted", self.weighted_specs)):
            if specs is None:
                continue
            per_out = _per_output(specs, self.output_names, "metrics") if multi else [specs]
            for i, spec in enumerate(per_out):
                for s in flatten(spec) if spec is not None else []:
                    if s is None:
                        continue
                    loss_obj = losses.get(loss_specs[i]) if loss_specs[i] is not None else None
                    m = metrics_module.resolve(s, ys[i], preds[i], loss_obj)
                    if multi and names[i] is not None:
                        m.name = f"{names[i]}_{m.name}"
                    self._per_output.append((i, m, kind == "weighted"))
                    self.metrics.append(m)
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
