"""Reads TensorBoard event files back into a listing: run -> tag -> {plugin, steps}.

Used both by the tests and by make_keras_tensorboard_listing.py (run with Keras 3 on
TensorFlow), so lamina's logs and Keras' logs are described the same way. The plugin of a tag
is taken from the first event that names it (TensorFlow writes the metadata only once).
"""

from __future__ import annotations

import glob
import os

from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
from tensorboard import data_compat


def read_run(run_dir: str) -> dict:
    """Every summary value of the event files directly in `run_dir`.

    Returns:
        {tag: {"plugin", "metadata_content", "steps": [...], "values": [...]}} where values are floats for
        scalars and numpy arrays otherwise; a run graph (GraphDef) is the tag "__run_graph__"
        (the loader migrates it so), its value the serialized GraphDef.
    """
    from tensorboard.util import tensor_util

    tags: dict = {}
    for path in sorted(glob.glob(os.path.join(run_dir, "events.out.tfevents.*"))):
        for event in EventFileLoader(path).Load():
            if not event.HasField("summary"):
                continue
            for value in event.summary.value:
                value = data_compat.migrate_value(value)
                entry = tags.setdefault(value.tag, {"plugin": value.metadata.plugin_data.plugin_name,
                                                    "metadata_content": value.metadata.plugin_data.content,
                                                    "steps": [], "values": []})
                array = tensor_util.make_ndarray(value.tensor)
                entry["steps"].append(int(event.step))
                entry["values"].append(float(array) if entry["plugin"] == "scalars" else array)
    return tags


def listing(log_dir: str) -> dict:
    """{run: {tag: {"plugin", "steps"}}} for every run folder under log_dir (values left out).

    The run graph is left out: Keras 3 writes none (its `write_graph` writes the `keras` tag only).
    """
    out = {}
    for root, _, files in os.walk(log_dir):
        if any(f.startswith("events.out.tfevents.") for f in files):
            run = os.path.relpath(root, log_dir).replace(os.sep, "/")
            out[run] = {tag: {"plugin": t["plugin"], "steps": sorted(t["steps"])}
                        for tag, t in sorted(read_run(root).items()) if tag != "__run_graph__"}
    return out
