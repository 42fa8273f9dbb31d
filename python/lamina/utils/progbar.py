"""Progbar: Keras' text progress bar for custom loops (`keras.utils.Progbar`)."""

from __future__ import annotations

import sys
import time

import numpy as np


class Progbar:
    """A progress bar with running averages of metrics.

    A value passed to `update` counts with a weight equal to the steps advanced since the
    previous update, and is shown as the weighted average so far; names in
    `stateful_metrics`, and every value of the finalizing update, are shown as given (as in
    Keras 3, whose fit passes running averages).

    Args:
        target: the total number of steps, or None if unknown.
        width: the bar's width in characters.
        verbose: 0 silent, 1 a bar redrawn in place, 2 one line when finished.
        interval: the least time in seconds between redraws.
        stateful_metrics: names whose values are shown as given, not averaged.
        unit_name: the unit in the time-per-unit display.
    """

    def __init__(self, target, width: int = 20, verbose: int = 1, interval: float = 0.05, stateful_metrics=None,
                 unit_name: str = "step"):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.stateful_metrics = set(stateful_metrics or ())
        self.unit_name = unit_name
        self._values: dict = {}
        self._order: list = []
        self._seen_so_far = 0
        self._start = time.time()
        self._last_update = 0.0

    def update(self, current: int, values=None, finalize: bool | None = None) -> None:
        """Moves the bar to step `current` and records `values` (a list of (name, value))."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for name, value in values or []:
            if name not in self._order:
                self._order.append(name)
            if name in self.stateful_metrics:
                self._values[name] = [value, 1]
                continue
            if finalize:
                self._values[name] = [np.mean(value), 1]
                continue
            weight = max(current - self._seen_so_far, 1)
            total, count = self._values.get(name, [0.0, 0])
            self._values[name] = [total + np.mean(value) * weight, count + weight]
        self._seen_so_far = current
        now = time.time()
        if self.verbose == 1 and (finalize or now - self._last_update >= self.interval):
            sys.stdout.write("\r" + self._line(current, now) + ("\n" if finalize else ""))
            sys.stdout.flush()
        elif self.verbose == 2 and finalize:
            sys.stdout.write(self._line(current, now, bar=False) + "\n")
            sys.stdout.flush()
        self._last_update = now

    def add(self, n: int, values=None) -> None:
        """Advances the bar by `n` steps."""
        self.update(self._seen_so_far + n, values)

    def value(self, name: str) -> float:
        """The value shown for `name` (its weighted average, or last value if stateful)."""
        total, count = self._values[name]
        return float(total) / max(count, 1)

    def _line(self, current, now, bar: bool = True) -> str:
        if self.target:
            digits = len(str(self.target))
            text = f"{current:>{digits}}/{self.target}"
            if bar:
                done = int(self.width * min(current / self.target, 1.0))
                text += " " + "━" * done + "─" * (self.width - done)
        else:
            text = f"{current:>7}/Unknown"
        elapsed = now - self._start
        per_unit = elapsed / current if current else 0.0
        text += f" {elapsed:.0f}s {per_unit * 1e3:.0f}ms/{self.unit_name}"
        for name in self._order:
            v = self.value(name)
            text += f" - {name}: {v:.4f}" if abs(v) > 1e-3 else f" - {name}: {v:.4e}"
        return text
