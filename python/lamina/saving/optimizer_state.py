"""An optimizer's state in the order Keras saves it, for every file format.

Keras 3 saves `optimizer.variables`: the step count, the learning rate (unless it is a
schedule), then the slot variables, and Nadam's running `u_product` last. Keras 2 (tf.keras
2.11+) saves the same without the learning rate. Both create slots one `build` loop at a time,
each loop going over the parameters and adding that loop's slots for each one (Adam: momentum
and velocity per parameter, then velocity_hat per parameter when amsgrad is on), and create
only the slots in use (RMSprop's momentum only when momentum > 0). lamina keeps every slot of a
parameter together, so this module reorders between the two.

tf.keras before 2.11 (and `keras.optimizers.legacy`) looped once per slot kind (every m, then
every v) and named slots `Adam/dense/kernel/m:0`; files with such names are read in that order.

Keras restores optimizer state by position and starts fresh, with a warning, when the lists
do not match; lamina does the same.
"""

from __future__ import annotations

import re
import warnings

import numpy as np


def _slot_loops(opt) -> list:
    """The slot names each of Keras' build loops creates, in order."""
    from lamina.optimizers import SGD, Adam, RMSprop

    if isinstance(opt, SGD):
        return [("momentum",)] if opt.momentum > 0 else []
    if isinstance(opt, RMSprop):
        loops = [("velocity",)]
        if opt.momentum > 0:
            loops.append(("momentum",))
        if opt.centered:
            loops.append(("average_gradient",))
        return loops
    if isinstance(opt, Adam) and opt.amsgrad:
        return [("momentum", "velocity"), ("velocity_hat",)]
    return [tuple(opt.slot_names)] if opt.slot_names else []


def _slot_variables(opt, params: list, loop_per_slot: bool = False) -> list | None:
    """(parameter, slot name, lamina variable) in Keras' order (`loop_per_slot`: the order of
    tf.keras's pre-2.11 optimizers, which looped once per slot kind); None if the optimizer has
    not created slots for every parameter yet."""
    if any(id(p) not in opt._slots for p in params):
        return None
    loops = _slot_loops(opt)
    if loop_per_slot:
        loops = [(slot,) for loop in loops for slot in loop]
    out = []
    for loop in loops:
        for p in params:
            for slot in loop:
                out.append((p, slot, opt._slots[id(p)][opt.slot_names.index(slot)]))
    return out


def _has_lr_variable(opt) -> bool:
    lr = opt._learning_rate
    return isinstance(lr, (int, float)) or not callable(lr)


def keras_variables(opt, model) -> list:
    """(name, numpy value) for each variable Keras 3 would save for this optimizer, in its order."""
    from lamina.optimizers import Nadam

    out = [("iteration", np.asarray(opt.iterations.numpy(), dtype=np.int64))]
    if _has_lr_variable(opt):
        out.append(("learning_rate", np.asarray(opt.learning_rate, dtype=np.float32)))
    slots = _slot_variables(opt, model.trainable_weights) if opt._tracked else None
    if slots:
        used: dict = {}
        for p, slot, var in slots:
            base = getattr(p, "path", p.name).replace("/", "_") + "_" + slot
            n = used.get(base, 0)
            used[base] = n + 1
            out.append((base if n == 0 else f"{base}_{n}", np.asarray(var)))
        if isinstance(opt, Nadam):
            out.append(("u_product", np.asarray(opt._u_product, dtype=np.float32)))
    return out


# How tf.keras's pre-2.11 optimizers named slots: Adam/dense/kernel/m:0 (2.11+: Adam/m/dense/kernel:0).
_PRE_2_11_SLOT_NAME = re.compile(r"/(m|v|vhat|momentum|rms|mg|accumulator|accum_grad|accum_var|linear):\d+$")


def _comparable(name: str) -> str:
    # "adam_2", "Adam" and "adam" are one optimizer; Keras 3 paths spell RMSprop "rm_sprop".
    return re.sub(r"_\d+$", "", name).replace("_", "").lower()


def restore(opt, model, stored: list, source: str, names: list | None = None, saved_name: str | None = None) -> None:
    """Sets the optimizer's state from the arrays a Keras or lamina file saved, in file order
    (`names`, the file's variable names where it has them, tell tf.keras's pre-2.11 layout and
    the optimizer's name; `saved_name` gives that name where the file stores it apart).

    The layouts tried: Keras 3 (step, learning rate, slots[, u_product]), Keras 2 and lamina
    before this format (step, slots), and a never-stepped optimizer (step[, learning rate]).
    When none fits, or the state belongs to a differently named optimizer (e.g. the file's
    compile config lost its optimizer and the model was compiled with the default), the
    optimizer starts fresh with a warning naming `source`.
    """
    from lamina.optimizers import Nadam

    if not stored:
        return
    if saved_name is None and names and "/" in names[0]:
        saved_name = names[0].split("/")[0]
    if saved_name and _comparable(saved_name) != _comparable(opt.name):
        warnings.warn(f"{source}: the saved optimizer state belongs to optimizer '{saved_name}', but the model was "
                      f"compiled with '{opt.name}' ({type(opt).__name__}); the optimizer starts fresh.", stacklevel=3)
        return
    params = model.trainable_weights
    if not opt._tracked and params:
        opt.build(params)
    pre_2_11 = bool(names) and any(_PRE_2_11_SLOT_NAME.search(n) for n in names[1:])
    slots = _slot_variables(opt, params, loop_per_slot=pre_2_11) or []
    slot_shapes = [tuple(v.shape) for _, _, v in slots]
    scalar = ()
    layouts = [
        ("keras3", [scalar, scalar] + slot_shapes),
        ("keras2", [scalar] + slot_shapes),
        ("fresh", [scalar, scalar]),
        ("fresh", [scalar]),
    ]
    if isinstance(opt, Nadam):
        layouts.insert(0, ("keras3_nadam", [scalar, scalar] + slot_shapes + [scalar]))
    found = [np.shape(s) for s in stored]  # declared shapes: `stored` may be file_checks.DatasetRef, not read yet
    for kind, shapes in layouts:
        if shapes == found:
            break
    else:
        warnings.warn(
            f"{source}: the saved optimizer state ({len(stored)} arrays, shapes {found[:6]}{'...' if len(found) > 6 else ''}) "
            f"does not match this {type(opt).__name__} ({len(slots)} slot variables for {len(params)} parameters); "
            "the optimizer starts fresh.",
            stacklevel=3,
        )
        return
    stored = [np.asarray(s) for s in stored]  # every value read (and checked) before any is assigned
    opt.iterations.assign(np.asarray(stored[0], dtype=np.int64))
    if kind == "fresh":
        return
    values = stored[2:] if kind.startswith("keras3") else stored[1:]
    for (_, _, var), value in zip(slots, values):
        var.assign(np.asarray(value, dtype=var.dtype))
    if kind == "keras3_nadam":
        opt._u_product = float(np.asarray(stored[-1]))
