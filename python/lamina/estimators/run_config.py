"""RunConfig: where and how often an estimator writes checkpoints, and its random seed."""

from __future__ import annotations

_USE_DEFAULT = object()


class RunConfig:
    """TensorFlow's RunConfig (the settings that matter on one machine).

    Args:
        model_dir: where checkpoints go (the estimator's `model_dir` wins when both are set
            and equal; different values are an error).
        tf_random_seed: seed of the weight initialization, dropout and shuffling in `fit`.
        save_summary_steps: write the training `loss` summary every this many steps (and at
            the first step of each train call), as TF did; None or 0: never.
        train_distribute: a `lamina.distribute.MultiWorkerMirroredStrategy`: `train` runs data
            parallel over the ranks of `mpirun -n N` (each global batch split by rank, rank 0
            writes the checkpoints).
        save_checkpoints_steps: save every this many steps. Exclusive with secs.
        save_checkpoints_secs: save every this many seconds; default 600 when neither is
            set. Both None: save only at the end of each `train` call.
        keep_checkpoint_max: how many recent checkpoints to keep (None or 0: all).
        log_step_count_steps: write the `global_step/sec` summary every this many steps.
        keep_checkpoint_every_n_hours, session_config, ...: accepted for compatibility.
    """

    def __init__(self, model_dir=None, tf_random_seed=None, save_summary_steps=100, save_checkpoints_steps=_USE_DEFAULT,
                 save_checkpoints_secs=_USE_DEFAULT, session_config=None, keep_checkpoint_max=5,
                 keep_checkpoint_every_n_hours=10000, log_step_count_steps=100, train_distribute=None, device_fn=None,
                 protocol=None, eval_distribute=None, experimental_distribute=None,
                 experimental_max_worker_delay_secs=None, session_creation_timeout_secs=7200,
                 checkpoint_save_graph_def=True):
        steps_given = save_checkpoints_steps is not _USE_DEFAULT
        secs_given = save_checkpoints_secs is not _USE_DEFAULT
        steps = None if not steps_given else save_checkpoints_steps
        secs = None if not secs_given else save_checkpoints_secs
        if steps is not None and secs is not None:
            raise ValueError("Can not provide both save_checkpoints_secs and save_checkpoints_steps.")
        if not steps_given and not secs_given:
            secs = 600
        for name, value in (("save_checkpoints_steps", steps), ("save_checkpoints_secs", secs),
                            ("keep_checkpoint_max", keep_checkpoint_max)):
            if value is not None and value < 0:
                raise ValueError(f"{name} should be >= 0, given: {value}")
        from lamina.distribution.estimator import resolve

        self._distribution = resolve(train_distribute)
        self._model_dir = model_dir
        self._tf_random_seed = tf_random_seed
        self._save_summary_steps = save_summary_steps
        self._save_checkpoints_steps = steps
        self._save_checkpoints_secs = secs
        self._session_config = session_config
        self._keep_checkpoint_max = keep_checkpoint_max
        self._keep_checkpoint_every_n_hours = keep_checkpoint_every_n_hours
        self._log_step_count_steps = log_step_count_steps
        self._extra = {"train_distribute": train_distribute, "device_fn": device_fn, "protocol": protocol,
                       "eval_distribute": eval_distribute, "experimental_distribute": experimental_distribute,
                       "experimental_max_worker_delay_secs": experimental_max_worker_delay_secs,
                       "session_creation_timeout_secs": session_creation_timeout_secs,
                       "checkpoint_save_graph_def": checkpoint_save_graph_def}

    model_dir = property(lambda self: self._model_dir)
    tf_random_seed = property(lambda self: self._tf_random_seed)
    save_summary_steps = property(lambda self: self._save_summary_steps)
    save_checkpoints_steps = property(lambda self: self._save_checkpoints_steps)
    save_checkpoints_secs = property(lambda self: self._save_checkpoints_secs)
    session_config = property(lambda self: self._session_config)
    keep_checkpoint_max = property(lambda self: self._keep_checkpoint_max)
    keep_checkpoint_every_n_hours = property(lambda self: self._keep_checkpoint_every_n_hours)
    log_step_count_steps = property(lambda self: self._log_step_count_steps)
    train_distribute = property(lambda self: self._extra["train_distribute"])
    eval_distribute = property(lambda self: self._extra["eval_distribute"])
    num_ps_replicas = property(lambda self: 0)
    num_worker_replicas = property(lambda self: 1 if self._distribution is None else self._distribution.num_replicas)
    is_chief = property(lambda self: self._distribution is None or self._distribution.rank == 0)
    task_type = property(lambda self: "worker")
    task_id = property(lambda self: 0 if self._distribution is None else self._distribution.rank)

    def replace(self, **kwargs) -> "RunConfig":
        """A copy with some settings changed."""
        args = {"model_dir": self._model_dir, "tf_random_seed": self._tf_random_seed,
                "save_summary_steps": self._save_summary_steps, "session_config": self._session_config,
                "keep_checkpoint_max": self._keep_checkpoint_max,
                "keep_checkpoint_every_n_hours": self._keep_checkpoint_every_n_hours,
                "log_step_count_steps": self._log_step_count_steps, **self._extra}
        if "save_checkpoints_steps" in kwargs or "save_checkpoints_secs" in kwargs:
            args["save_checkpoints_steps"] = kwargs.pop("save_checkpoints_steps", None)
            args["save_checkpoints_secs"] = kwargs.pop("save_checkpoints_secs", None)
        else:
            args["save_checkpoints_steps"] = self._save_checkpoints_steps
            args["save_checkpoints_secs"] = self._save_checkpoints_secs
        unknown = set(kwargs) - set(args)
        if unknown:
            raise ValueError(f"Replacing {sorted(unknown)} is not supported")
        args.update(kwargs)
        return RunConfig(**args)

    def __eq__(self, other):
        return type(other) is RunConfig and self.__dict__ == other.__dict__

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return (f"RunConfig(model_dir={self._model_dir!r}, tf_random_seed={self._tf_random_seed!r}, "
                f"save_checkpoints_steps={self._save_checkpoints_steps!r}, "
                f"save_checkpoints_secs={self._save_checkpoints_secs!r}, keep_checkpoint_max={self._keep_checkpoint_max!r})")
