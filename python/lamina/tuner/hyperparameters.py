"""KerasTuner's hyperparameters: a search space that a model-building function declares as it
runs (`hp.Int("units", 32, 512)` registers the range and returns this trial's value).

Every hyperparameter maps a probability in [0, 1) to a value and back, as KerasTuner's do, so
random search, the grid and the Gaussian process all work on the unit cube; `distribution()`
gives the Optuna distribution its samplers draw from."""

from __future__ import annotations

import contextlib
import copy
import math
import random
from typing import Any, Iterable


def _prob_to_index(prob: float, n: int) -> int:
    return min(int(math.floor(prob * n)), n - 1)


def _index_to_prob(index: float, n: int) -> float:
    return (index + 0.5) / n  # the middle of the index's bucket


class Parent:
    """Condition: active when the hyperparameter `name` has one of `values`."""

    def __init__(self, name: str, values):
        self.name = name
        self.values = list(values) if isinstance(values, (list, tuple, set)) else [values]

    def is_active(self, values: dict) -> bool:
        return self.name in values and values[self.name] in self.values

    def __eq__(self, other) -> bool:
        return isinstance(other, Parent) and (other.name, other.values) == (self.name, self.values)

    def get_config(self) -> dict:
        return {"name": self.name, "values": self.values}


class HyperParameter:
    """Base class: a named range with a default, active under `conditions`."""

    def __init__(self, name: str, default=None, conditions=None):
        self.name = name
        self._default = default
        self.conditions = list(conditions or [])

    @property
    def default(self):
        return self._default

    def random_sample(self, seed=None):
        return self.prob_to_value(random.Random(seed).random())

    def get_config(self) -> dict:
        return {"name": self.name, "default": self._default,
                "conditions": [c.get_config() for c in self.conditions]}

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        config["conditions"] = [Parent(**c) for c in config.get("conditions", [])]
        return cls(**config)

    def distribution(self):
        """The Optuna distribution of this hyperparameter's values (categorical by default)."""
        from optuna.distributions import CategoricalDistribution
        return CategoricalDistribution(list(self.values))


class _Numerical(HyperParameter):
    def __init__(self, name, min_value, max_value, step=None, sampling="linear", default=None, conditions=None):
        super().__init__(name, default, conditions)
        self.min_value, self.max_value, self.step = min_value, max_value, step
        self.sampling = (sampling or "linear").lower()
        kind = type(self).__name__
        if min_value > max_value:
            raise ValueError(f"HyperParameters.{kind}(name={name!r}): min_value {min_value} is greater than "
                             f"max_value {max_value}.")
        if self.sampling not in ("linear", "log", "reverse_log"):
            raise ValueError(f"HyperParameters.{kind}(name={name!r}): sampling must be 'linear', 'log' or "
                             f"'reverse_log', got {sampling!r}.")
        if self.sampling != "linear" and min_value <= 0:
            raise ValueError(f"HyperParameters.{kind}(name={name!r}): sampling={self.sampling!r} needs a positive "
                             f"min_value, got {min_value}.")
        if self.sampling != "linear" and step is not None and step <= 1:
            raise ValueError(f"HyperParameters.{kind}(name={name!r}): with sampling={self.sampling!r} the step is "
                             f"a factor and must be > 1, got {step}.")

    @property
    def default(self):
        return self.min_value if self._default is None else self._default

    def _from_unit(self, prob: float, top: float):
        lo = self.min_value
        if self.sampling == "linear":
            return lo + prob * (top - lo)
        if self.sampling == "log":
            return lo * (top / lo) ** prob
        return top + lo - lo * (top / lo) ** (1 - prob)

    def _to_unit(self, value: float, top: float) -> float:
        lo = self.min_value
        if top == lo:
            return 0.5
        if self.sampling == "linear":
            return (value - lo) / (top - lo)
        if self.sampling == "log":
            return math.log(value / lo) / math.log(top / lo)
        return 1.0 - math.log((top + lo - value) / lo) / math.log(top / lo)

    def _n_steps(self) -> int:
        if self.sampling == "linear":
            return int((self.max_value - self.min_value) // self.step + 1)
        return int(math.log(self.max_value / self.min_value, self.step) + 1e-8) + 1

    def _step_value(self, i: int):
        if self.sampling == "linear":
            return self.min_value + i * self.step
        if self.sampling == "log":
            return self.min_value * self.step ** i
        return self.max_value + self.min_value - self.min_value * self.step ** i

    def _step_index(self, value) -> float:
        if self.sampling == "linear":
            return (value - self.min_value) // self.step
        if self.sampling == "log":
            return math.log(value / self.min_value, self.step)
        return math.log((self.max_value - value + self.min_value) / self.min_value, self.step)

    @property
    def values(self) -> tuple:
        """Every value with a step; ten evenly spread ones without (what GridSearch tries)."""
        if self.step is None:
            return tuple(sorted({self.prob_to_value(i * 0.1 + 0.05) for i in range(10)}))
        return tuple(self._step_value(i) for i in range(self._n_steps()))

    def get_config(self) -> dict:
        return {**super().get_config(), "min_value": self.min_value, "max_value": self.max_value,
                "step": self.step, "sampling": self.sampling}


class Int(_Numerical):
    """An integer in [min_value, max_value] (both included); `step` 1 by default for linear
    sampling, a factor for log sampling."""

    def __init__(self, name, min_value, max_value, step=None, sampling="linear", default=None, conditions=None):
        min_value, max_value = _as_int(min_value, name, "min_value"), _as_int(max_value, name, "max_value")
        if step is not None:
            step = _as_int(step, name, "step")
        elif (sampling or "linear") == "linear":
            step = 1
        super().__init__(name, min_value, max_value, step, sampling, default, conditions)

    def prob_to_value(self, prob: float) -> int:
        if self.step is None:
            return int(self._from_unit(prob, self.max_value + 1))
        return int(self._step_value(_prob_to_index(prob, self._n_steps())))

    def value_to_prob(self, value) -> float:
        if self.step is None:
            return self._to_unit(value + 0.5, self.max_value + 1)
        return _index_to_prob(self._step_index(value), self._n_steps())

    def distribution(self):
        from optuna.distributions import IntDistribution
        if self.sampling == "linear":
            top = self.min_value + (self._n_steps() - 1) * self.step
            return IntDistribution(self.min_value, top, step=self.step)
        if self.sampling == "log" and self.step is None:
            return IntDistribution(self.min_value, self.max_value, log=True)
        return super().distribution()  # a geometric grid or reverse-log: its values

    def __repr__(self):
        return (f"Int(name: {self.name!r}, min_value: {self.min_value}, max_value: {self.max_value}, "
                f"step: {self.step}, sampling: {self.sampling}, default: {self.default})")


class Float(_Numerical):
    """A float in [min_value, max_value]; `sampling="log"` for ranges spanning decades."""

    def __init__(self, name, min_value, max_value, step=None, sampling="linear", default=None, conditions=None):
        super().__init__(name, float(min_value), float(max_value), None if step is None else float(step),
                         sampling, default, conditions)

    def prob_to_value(self, prob: float) -> float:
        if self.step is None:
            return float(self._from_unit(prob, self.max_value))
        return float(self._step_value(_prob_to_index(prob, self._n_steps())))

    def value_to_prob(self, value) -> float:
        if self.step is None:
            return self._to_unit(value, self.max_value)
        return _index_to_prob(self._step_index(value), self._n_steps())

    def distribution(self):
        from optuna.distributions import FloatDistribution
        if self.sampling == "linear":
            if self.step is None:
                return FloatDistribution(self.min_value, self.max_value)
            top = self.min_value + (self._n_steps() - 1) * self.step
            return FloatDistribution(self.min_value, top, step=self.step)
        if self.sampling == "log" and self.step is None:
            return FloatDistribution(self.min_value, self.max_value, log=True)
        if self.step is not None:
            return super().distribution()
        # reverse_log without a step: drawn as its position on the unit interval
        return FloatDistribution(0.0, 1.0)

    def __repr__(self):
        return (f"Float(name: {self.name!r}, min_value: {self.min_value}, max_value: {self.max_value}, "
                f"step: {self.step}, sampling: {self.sampling}, default: {self.default})")


class Choice(HyperParameter):
    """One of `values` (all ints, floats, strings or bools); the first is the default."""

    def __init__(self, name, values, ordered=None, default=None, conditions=None):
        super().__init__(name, default, conditions)
        if not values:
            raise ValueError(f"HyperParameters.Choice(name={name!r}): `values` must not be empty.")
        types = {type(v) for v in values}
        if len(types) > 1:
            raise TypeError(f"HyperParameters.Choice(name={name!r}): values must share one type, got {values}.")
        if not isinstance(values[0], (int, float, str, bool)):
            raise TypeError(f"HyperParameters.Choice(name={name!r}): values must be int, float, str or bool, "
                            f"got {type(values[0]).__name__}.")
        self._values = list(values)
        if default is not None and default not in self._values:
            raise ValueError(f"HyperParameters.Choice(name={name!r}): default {default!r} is not one of {values}.")
        numeric = isinstance(values[0], (int, float)) and not isinstance(values[0], bool)
        if ordered and not numeric:
            raise ValueError(f"HyperParameters.Choice(name={name!r}): ordered=True needs numeric values.")
        self.ordered = numeric if ordered is None else ordered

    @property
    def values(self) -> list:
        return self._values

    @property
    def default(self):
        return self._values[0] if self._default is None else self._default

    def prob_to_value(self, prob: float):
        return self._values[_prob_to_index(prob, len(self._values))]

    def value_to_prob(self, value) -> float:
        return _index_to_prob(self._values.index(value), len(self._values))

    def get_config(self) -> dict:
        return {**super().get_config(), "values": self._values, "ordered": self.ordered}

    def __repr__(self):
        return f"Choice(name: {self.name!r}, values: {self._values}, ordered: {self.ordered}, default: {self.default})"


class Boolean(HyperParameter):
    """True or False (default False)."""

    def __init__(self, name, default=False, conditions=None):
        if default not in (True, False):
            raise ValueError(f"HyperParameters.Boolean(name={name!r}): default must be a bool, got {default!r}.")
        super().__init__(name, bool(default), conditions)

    @property
    def values(self) -> tuple:
        return (True, False)

    def prob_to_value(self, prob: float) -> bool:
        return bool(prob >= 0.5)

    def value_to_prob(self, value) -> float:
        return 0.75 if value else 0.25

    def __repr__(self):
        return f"Boolean(name: {self.name!r}, default: {self.default})"


class Fixed(HyperParameter):
    """A value that is not tuned, but recorded with the trial."""

    def __init__(self, name, value, conditions=None, default=None):
        if not isinstance(value, (bool, int, float, str)):
            raise ValueError(f"HyperParameters.Fixed(name={name!r}): value must be int, float, str or bool, "
                             f"got {value!r}.")
        super().__init__(name, value, conditions)
        self.value = value

    @property
    def values(self) -> tuple:
        return (self.value,)

    def prob_to_value(self, prob: float):
        return self.value

    def value_to_prob(self, value) -> float:
        return 0.5

    def get_config(self) -> dict:
        config = super().get_config()
        config.pop("default")
        return {**config, "value": self.value}

    def __repr__(self):
        return f"Fixed(name: {self.name!r}, value: {self.value})"


def _as_int(value, name: str, arg: str) -> int:
    if int(value) != value:
        raise ValueError(f"HyperParameters.Int(name={name!r}): {arg} must be an int, got {value!r}.")
    return int(value)


_TYPES = {cls.__name__: cls for cls in (Int, Float, Choice, Boolean, Fixed)}


class HyperParameters:
    """A search space and one point in it (`values`, active hyperparameters only).

    Calling `hp.Int(...)`, `hp.Float(...)`, `hp.Choice(...)`, `hp.Boolean(...)` or
    `hp.Fixed(...)` registers the hyperparameter the first time and returns its value in this
    trial (its default while the space is being discovered); inside
    `conditional_scope(parent, values)` it returns None when the parent has another value."""

    def __init__(self):
        self._scopes: list[str] = []
        self._conditions: list[Parent] = []
        self._hps: dict[str, list[HyperParameter]] = {}
        self._space: list[HyperParameter] = []
        self.values: dict[str, Any] = {}
        self.active_scopes: list[list[Parent]] = []
        self.inactive_scopes: list[list[Parent]] = []

    @contextlib.contextmanager
    def name_scope(self, name: str):
        """Prefixes the names registered inside with `name/`."""
        self._scopes.append(name)
        try:
            yield
        finally:
            self._scopes.pop()

    @contextlib.contextmanager
    def conditional_scope(self, parent_name: str, parent_values):
        """Hyperparameters registered inside are active only while `parent_name` has one of
        `parent_values`.

        Args:
            parent_name: name of a hyperparameter registered before.
            parent_values: a value or a list of values of the parent.
        """
        parent_name = self._full_name(parent_name)
        if parent_name not in self._hps:
            raise ValueError(f"conditional_scope: hyperparameter {parent_name!r} is not defined.")
        condition = Parent(parent_name, parent_values)
        self._conditions.append(condition)
        scopes = self.active_scopes if condition.is_active(self.values) else self.inactive_scopes
        scopes.append(copy.deepcopy(self._conditions))
        try:
            yield
        finally:
            self._conditions.pop()

    def is_active(self, hp) -> bool:
        """Whether a hyperparameter (object or name) has its conditions met by `values`."""
        if isinstance(hp, HyperParameter):
            return all(c.is_active(self.values) for c in hp.conditions)
        return any(self.is_active(h) for h in self._hps.get(str(hp), []))

    def _full_name(self, name: str) -> str:
        return "/".join([*self._scopes, str(name)])

    def _find(self, name: str, conditions) -> HyperParameter | None:
        return next((h for h in self._hps.get(name, []) if h.conditions == conditions), None)

    def _retrieve(self, hp: HyperParameter):
        if self._find(hp.name, hp.conditions) is not None:
            return self.values[hp.name] if self.is_active(hp) else None
        return self._register(hp)

    def _register(self, hp: HyperParameter, overwrite: bool = False):
        if any(c.name == hp.name for c in self._conditions):
            raise ValueError(f"A conditional hyperparameter cannot have its parent's name {hp.name!r}.")
        hp = type(hp).from_config(hp.get_config())
        self._hps.setdefault(hp.name, []).append(hp)
        self._space.append(hp)
        if not self.is_active(hp):
            return None
        if overwrite or hp.name not in self.values:
            self.values[hp.name] = hp.default
        return self.values[hp.name]

    @contextlib.contextmanager
    def _maybe_scope(self, parent_name, parent_values):
        if parent_name:
            with self.conditional_scope(parent_name, parent_values):
                yield
        else:
            yield

    def _declare(self, cls, name, parent_name, parent_values, **kwargs):
        with self._maybe_scope(parent_name, parent_values):
            return self._retrieve(cls(self._full_name(name), conditions=list(self._conditions), **kwargs))

    def Int(self, name: str, min_value: int, max_value: int, step: int | None = None, sampling: str = "linear",
            default: int | None = None, parent_name: str | None = None, parent_values=None) -> int | None:
        """An integer in [min_value, max_value].

        Args:
            name: the hyperparameter's name.
            min_value, max_value: the range, both included.
            step: distance between values (linear) or their ratio (log); 1 by default for linear.
            sampling: "linear", "log" or "reverse_log".
            default: value while the space is discovered (min_value by default).
            parent_name, parent_values: a one-line `conditional_scope`.

        Returns:
            This trial's value, or None when inactive.
        """
        return self._declare(Int, name, parent_name, parent_values, min_value=min_value, max_value=max_value,
                             step=step, sampling=sampling, default=default)

    def Float(self, name: str, min_value: float, max_value: float, step: float | None = None,
              sampling: str = "linear", default: float | None = None, parent_name: str | None = None,
              parent_values=None) -> float | None:
        """A float in [min_value, max_value]; arguments as `Int`'s (`sampling="log"` for rates)."""
        return self._declare(Float, name, parent_name, parent_values, min_value=min_value, max_value=max_value,
                             step=step, sampling=sampling, default=default)

    def Choice(self, name: str, values: list, ordered: bool | None = None, default=None,
               parent_name: str | None = None, parent_values=None):
        """One of `values`.

        Args:
            name: the hyperparameter's name.
            values: ints, floats, strings or bools (one type).
            ordered: whether the values are ordered (True for numbers by default).
            default: the default (the first value if None).
            parent_name, parent_values: a one-line `conditional_scope`.

        Returns:
            This trial's value, or None when inactive.
        """
        return self._declare(Choice, name, parent_name, parent_values, values=values, ordered=ordered,
                             default=default)

    def Boolean(self, name: str, default: bool = False, parent_name: str | None = None,
                parent_values=None) -> bool | None:
        """True or False; returns this trial's value, or None when inactive."""
        return self._declare(Boolean, name, parent_name, parent_values, default=default)

    def Fixed(self, name: str, value, parent_name: str | None = None, parent_values=None):
        """A value that is recorded but not tuned; returns it (None when inactive)."""
        return self._declare(Fixed, name, parent_name, parent_values, value=value)

    def get(self, name: str):
        """The value of an active hyperparameter (ValueError if inactive, KeyError if unknown)."""
        name = self._full_name(name)
        if name in self.values:
            return self.values[name]
        if name in self._hps:
            raise ValueError(f"Hyperparameter {name!r} is currently inactive.")
        raise KeyError(f"Hyperparameter {name!r} does not exist.")

    def __getitem__(self, name: str):
        return self.get(name)

    def __contains__(self, name: str) -> bool:
        try:
            self.get(name)
            return True
        except (KeyError, ValueError):
            return False

    @property
    def space(self) -> list[HyperParameter]:
        return self._space

    def merge(self, hps: "HyperParameters | Iterable[HyperParameter]", overwrite: bool = True) -> None:
        """Registers `hps`' hyperparameters here (replacing the defaults' values if `overwrite`)."""
        hps = hps.space if isinstance(hps, HyperParameters) else list(hps)
        for hp in hps:
            if overwrite or self._find(hp.name, hp.conditions) is None:
                self._register(hp, overwrite)

    def ensure_active_values(self) -> None:
        """Drops values of inactive hyperparameters and draws ones for active ones lacking a value."""
        for hp in self._space:
            if self.is_active(hp):
                self.values.setdefault(hp.name, hp.random_sample())
            else:
                self.values.pop(hp.name, None)

    def get_config(self) -> dict:
        return {"space": [{"class_name": type(h).__name__, "config": h.get_config()} for h in self._space],
                "values": dict(self.values)}

    @classmethod
    def from_config(cls, config: dict) -> "HyperParameters":
        hps = cls()
        for entry in config["space"]:
            hp = _TYPES[entry["class_name"]].from_config(entry["config"])
            hps._hps.setdefault(hp.name, []).append(hp)
            hps._space.append(hp)
        hps.values = dict(config["values"])
        return hps

    def copy(self) -> "HyperParameters":
        return HyperParameters.from_config(self.get_config())
