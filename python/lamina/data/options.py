"""`lamina.data.Options`: tf.data's pipeline options that lamina acts on."""

from __future__ import annotations

from dataclasses import dataclass, field, fields


@dataclass
class ThreadingOptions:
    """private_threadpool_size: the threads for parallel map/interleave under AUTOTUNE (None: one
    per usable core). max_intra_op_parallelism is accepted for tf.data compatibility."""
    private_threadpool_size: int | None = None
    max_intra_op_parallelism: int | None = None


@dataclass
class AutotuneOptions:
    enabled: bool | None = None
    cpu_budget: int | None = None
    ram_budget: int | None = None


@dataclass
class Options:
    """Pipeline options, as tf.data.Options. `deterministic=False` lets parallel map and interleave
    return elements as they finish, instead of in input order. `worker_processes=N` (lamina's,
    as PyTorch's DataLoader workers) runs the functions of `map(..., num_parallel_calls=...)`
    in N forked processes instead of threads, for Python-heavy functions that hold the GIL;
    elements and results are pickled between processes. Set it before the maps it should
    cover (`ds.with_options(o).map(...)`)."""
    deterministic: bool | None = None
    worker_processes: int | None = None
    threading: ThreadingOptions = field(default_factory=ThreadingOptions)
    autotune: AutotuneOptions = field(default_factory=AutotuneOptions)

    def merge(self, other: "Options") -> "Options":
        """These options, overridden by whatever `other` sets (as tf.data merges options)."""
        def pick(a, b):
            return b if b is not None else a

        return Options(
            deterministic=pick(self.deterministic, other.deterministic),
            worker_processes=pick(self.worker_processes, other.worker_processes),
            threading=ThreadingOptions(*(pick(getattr(self.threading, f.name), getattr(other.threading, f.name))
                                         for f in fields(ThreadingOptions))),
            autotune=AutotuneOptions(*(pick(getattr(self.autotune, f.name), getattr(other.autotune, f.name))
                                       for f in fields(AutotuneOptions))))
