"""The live state of an estimator: its network, optimizers and global step, how they are built
from a `ModelSpec`, and how they are saved to and restored from checkpoints by name."""

from __future__ import annotations

import collections
import math
import re

import numpy as np

from lamina import _core, optimizers
from lamina.autodiff import GradientTape
from lamina.estimators import checkpoints
from lamina.estimators.network import CannedNetwork, tensors

LABELS = "__labels__"
WEIGHTS = "__weights__"

# TensorFlow's optimizer names for the canned estimators.
_OPTIMIZER_NAMES = {"adagrad": optimizers.Adagrad, "adam": optimizers.Adam, "ftrl": optimizers.Ftrl,
                    "rmsprop": optimizers.RMSprop, "sgd": optimizers.SGD}


class NanLossDuringTrainingError(RuntimeError):
    """Training produced a NaN loss (TensorFlow's tf.estimator.NanLossDuringTrainingError)."""


def make_optimizer(spec, learning_rate: float, what: str):
    """An optimizer from a name (with the estimator's default learning rate), an instance (its
    hyperparameters, with fresh state), or a callable returning one."""
    if isinstance(spec, str):
        cls = _OPTIMIZER_NAMES.get(spec.lower())
        if cls is None:
            raise ValueError(f"Unsupported optimizer name: {spec}. Supported names are: "
                             f"('Adagrad', 'Adam', 'Ftrl', 'RMSProp', 'SGD')")
        return cls(learning_rate=learning_rate)
    if isinstance(spec, optimizers.Optimizer):
        return type(spec).from_config(spec.get_config())
    if callable(spec):
        made = spec()
        if not isinstance(made, optimizers.Optimizer):
            raise ValueError(f"{what}: the callable returned {made!r}, not a lamina optimizer")
        return made
    raise ValueError(f"The given object is not an Optimizer instance. Given: {spec!r}")


def linear_learning_rate(num_columns: int, cap: float) -> float:
    """TensorFlow's rule for linear models: min(cap, 1 / sqrt(number of feature columns))."""
    return min(cap, 1.0 / math.sqrt(max(num_columns, 1)))


class ModelSpec:
    """What an estimator's parameters resolve to: the head, the input plans of the parts, how
    to build each part's layer, and each part's optimizer (with its default learning rate)."""

    def __init__(self, head, plans: dict, layer_factories: dict, optimizer_specs: dict, weight_key=None):
        self.head = head
        self.plans = plans  # part -> InputPlan (baseline: none)
        self.layer_factories = layer_factories  # part -> f(seed) -> Layer
        self.optimizer_specs = optimizer_specs  # part -> (spec, default learning rate)
        self.weight_key = weight_key


class Runtime:
    """Network + optimizers + global step of one estimator, kept in memory between calls."""

    def __init__(self, spec: ModelSpec, seed, model_dir, fitted=None):
        self.spec = spec
        self.fitted = fitted  # what scikit-learn's fit learned from the data (None for TF-style use)
        self.model_dir = model_dir
        self.network = CannedNetwork({part: make(seed) for part, make in spec.layer_factories.items()})
        self.optimizers = {part: make_optimizer(s, lr, f"{part} optimizer")
                           for part, (s, lr) in spec.optimizer_specs.items()}
        self.part_variables = {part: self.network.part_variables(part) for part in self.optimizers}
        self.trainable = [v for part in self.optimizers for v in self.part_variables[part]]
        self.global_step = 0
        self.checkpoint_step = None  # the step of the checkpoint the memory state equals, if any
        self.gradient_hook = None  # under train_distribute: (grads, loss) -> those of the global batch

    # ---------------------------------------------------------------------------------------
    def train_step(self, batch: dict) -> float:
        labels = _core.convert_to_tensor(batch[LABELS])
        weights = batch.get(WEIGHTS)
        weights = None if weights is None else _core.convert_to_tensor(weights)
        inputs = tensors({k: v for k, v in batch.items() if k not in (LABELS, WEIGHTS)})
        with GradientTape() as tape:
            logits = self.network.call(inputs, training=True)
            loss, _ = self.spec.head.loss(logits, labels, weights)
        grads = tape.gradient(loss, self.trainable)
        value = float(loss)
        if self.gradient_hook is not None:
            grads, value = self.gradient_hook(grads, value)
        start = 0
        for part, opt in self.optimizers.items():
            n = len(self.part_variables[part])
            if n:
                opt.apply(grads[start:start + n], self.part_variables[part])
            start += n
        self.global_step += 1
        if not math.isfinite(value):
            raise NanLossDuringTrainingError(f"NaN loss during training (global step {self.global_step}); the last "
                                             f"checkpoint is unchanged")
        return value

    def logits(self, batch: dict):
        inputs = tensors({k: v for k, v in batch.items() if k not in (LABELS, WEIGHTS)})
        return self.network.call(inputs, training=False)

    # ---------------------------------------------------------------------------------------
    def named_variables(self, with_optimizer: bool = True) -> dict:
        out = dict(self.network.named)
        if with_optimizer:
            for part, opt in self.optimizers.items():
                variables = self.part_variables[part]
                opt.build(variables)
                names = {id(v): n for n, v in self.network.named.items()}
                label = type(opt).__name__
                for v in variables:
                    for slot_name, slot in zip(opt.slot_names, opt._slots[id(v)]):
                        out[f"{names[id(v)]}/{label}/{slot_name}"] = slot
                out[f"{part}/{label}/iterations"] = opt.iterations
        return out

    def snapshot(self) -> dict:
        values = {name: np.array(v) for name, v in self.named_variables().items()}
        values["global_step"] = np.array(self.global_step, np.int64)
        return values

    def restore(self, values: dict, source: str) -> None:
        variables = self.named_variables()
        missing = [n for n in variables if n not in values]
        if missing:
            raise ValueError(f"Checkpoint {source} does not match this estimator: it lacks {missing[:5]}"
                             f"{' ...' if len(missing) > 5 else ''}. Was it written by an estimator with other "
                             f"feature columns or hidden_units? Use a new model_dir, or warm_start_from to reuse weights.")
        for name, var in variables.items():
            value = values[name]
            if tuple(value.shape) != tuple(var.shape):
                raise ValueError(f"Checkpoint {source}: variable '{name}' has shape {tuple(value.shape)}, this estimator "
                                 f"needs {tuple(var.shape)}")
            var.assign(value.astype(var.dtype))
        self.global_step = int(values.get("global_step", 0))

    def save(self, keep_checkpoint_max) -> str:
        path = checkpoints.save(self.model_dir, self.global_step, self.snapshot(), keep_checkpoint_max)
        self.checkpoint_step = self.global_step
        return path

    def warm_start(self, settings) -> None:
        """Copies matching model variables (not optimizer state) from another checkpoint."""
        path = checkpoints.resolve(settings.ckpt_to_initialize_from)
        values = checkpoints.load(path)
        pattern = re.compile(settings.vars_to_warm_start) if isinstance(settings.vars_to_warm_start, str) else None
        wanted = settings.vars_to_warm_start if isinstance(settings.vars_to_warm_start, (list, tuple)) else None
        renames = settings.var_name_to_prev_var_name or {}
        copied = 0
        for name, var in self.network.named.items():
            if pattern is not None and not pattern.match(name):
                continue
            if wanted is not None and name not in wanted:
                continue
            if not var.trainable and pattern is not None and settings.vars_to_warm_start == ".*":
                continue  # TensorFlow's '.*' means the trainable variables
            source_name = renames.get(name, name)
            if source_name not in values:
                if name in renames:
                    raise ValueError(f"warm_start_from: variable '{source_name}' (for '{name}') is not in {path}")
                continue
            value = values[source_name]
            if name in (settings.var_name_to_vocab_info or {}):
                value = remap_vocab(value, tuple(var.shape), settings.var_name_to_vocab_info[name], name)
            if tuple(value.shape) != tuple(var.shape):
                raise ValueError(f"warm_start_from: '{source_name}' in {path} has shape {tuple(value.shape)}, but "
                                 f"'{name}' here has shape {tuple(var.shape)}")
            var.assign(value.astype(var.dtype))
            copied += 1
        if copied == 0:
            raise ValueError(f"warm_start_from: no variable of this estimator was found in {path}")

    def load_embedding_checkpoints(self) -> None:
        """Tables of embedding columns that name `ckpt_to_load_from`."""
        from lamina.feature_column.dense_wrappers import EmbeddingColumn

        for plan in self.spec.plans.values():
            for column in plan.embeddings:
                if not isinstance(column, EmbeddingColumn) or column.ckpt_to_load_from is None:
                    continue
                path = checkpoints.resolve(column.ckpt_to_load_from)
                values = checkpoints.load(path)
                if column.tensor_name_in_ckpt not in values:
                    raise ValueError(f"embedding_column '{column.name}': '{column.tensor_name_in_ckpt}' is not in {path}")
                table = next(v for n, v in self.network.named.items()
                             if n.endswith(f"/{column.table_name}/embedding_weights") and n.startswith(plan.prefix))
                value = values[column.tensor_name_in_ckpt]
                if tuple(value.shape) != tuple(table.shape):
                    raise ValueError(f"embedding_column '{column.name}': '{column.tensor_name_in_ckpt}' in {path} has "
                                     f"shape {tuple(value.shape)}, the table needs {tuple(table.shape)}")
                table.assign(value.astype(table.dtype))


class VocabInfo(collections.namedtuple("VocabInfo", ["new_vocab", "new_vocab_size", "num_oov_buckets", "old_vocab",
                                                      "old_vocab_size", "backup_initializer", "axis"])):
    """How to warm-start a variable whose rows (or columns, axis=1) follow a vocabulary that
    changed (tf.estimator.VocabInfo): each row of a token also in the old vocabulary is
    copied from its old row; new tokens and the OOV bucket rows get `backup_initializer`
    (default zeros).

    Args:
        new_vocab, old_vocab: vocabulary files (one token a line).
        new_vocab_size: how many tokens of new_vocab are used.
        num_oov_buckets: OOV rows after the vocabulary.
        old_vocab_size: how many tokens of old_vocab were used (-1: all).
        backup_initializer: a lamina initializer (or name) for rows without an old value.
        axis: 0 (rows, e.g. embeddings) or 1 (columns, e.g. an output layer's kernel).
    """

    def __new__(cls, new_vocab, new_vocab_size, num_oov_buckets, old_vocab, old_vocab_size=-1,
                backup_initializer=None, axis=0):
        if axis not in (0, 1):
            raise ValueError(f"The only supported values for the axis argument are 0 and 1.  Provided axis: {axis}")
        return super().__new__(cls, new_vocab, new_vocab_size, num_oov_buckets, old_vocab, old_vocab_size,
                               backup_initializer, axis)


def _read_vocab(path, size) -> list:
    with open(path, encoding="utf-8") as f:
        tokens = [line.rstrip("\n") for line in f]
    return tokens if size is None or size < 0 else tokens[:size]


def remap_vocab(old_value: np.ndarray, shape: tuple, info: VocabInfo, name: str) -> np.ndarray:
    """The checkpoint value `old_value` of variable `name` rearranged for the new vocabulary."""
    from lamina import initializers

    new_tokens = _read_vocab(info.new_vocab, info.new_vocab_size)
    old_index = {t: i for i, t in enumerate(_read_vocab(info.old_vocab, info.old_vocab_size))}
    old = np.moveaxis(np.asarray(old_value), info.axis, 0)
    want = np.moveaxis(np.empty(shape, old.dtype), info.axis, 0).shape
    if want[0] != len(new_tokens) + info.num_oov_buckets:
        raise ValueError(f"VocabInfo for '{name}': the variable has {want[0]} entries along axis {info.axis}, but the "
                         f"new vocabulary has {len(new_tokens)} tokens + {info.num_oov_buckets} OOV buckets")
    init = initializers.get(info.backup_initializer or "zeros")
    out = np.array(init(want, dtype=str(old.dtype)))
    for i, token in enumerate(new_tokens):
        j = old_index.get(token)
        if j is not None and j < old.shape[0]:
            out[i] = old[j]
    return np.moveaxis(out, 0, info.axis)


class WarmStartSettings:
    """Where and what to warm-start from (tf.estimator.WarmStartSettings).

    Args:
        ckpt_to_initialize_from: a model_dir or checkpoint path.
        vars_to_warm_start: a regular expression (default '.*': every trainable variable) or
            a list of variable names.
        var_name_to_vocab_info: {variable name: VocabInfo} for variables whose vocabulary
            changed since the checkpoint.
        var_name_to_prev_var_name: {name here: name in the checkpoint} for renamed variables.
    """

    def __init__(self, ckpt_to_initialize_from, vars_to_warm_start=".*", var_name_to_vocab_info=None,
                 var_name_to_prev_var_name=None):
        if not ckpt_to_initialize_from:
            raise ValueError("`ckpt_to_initialize_from` MUST be set in WarmStartSettings")
        for name, info in (var_name_to_vocab_info or {}).items():
            if not isinstance(info, VocabInfo):
                raise TypeError(f"var_name_to_vocab_info['{name}'] must be a VocabInfo, given: {info!r}")
        self.ckpt_to_initialize_from = ckpt_to_initialize_from
        self.vars_to_warm_start = vars_to_warm_start
        self.var_name_to_vocab_info = var_name_to_vocab_info
        self.var_name_to_prev_var_name = var_name_to_prev_var_name

    def __repr__(self) -> str:
        return (f"WarmStartSettings(ckpt_to_initialize_from={self.ckpt_to_initialize_from!r}, "
                f"vars_to_warm_start={self.vars_to_warm_start!r})")
