"""plot_model and plot_history write real images: the expected size, not blank, every layer named."""

import os
import re
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "callbacks"))
from optional import require, require_program  # noqa: E402

import lamina  # noqa: E402
from lamina import utils  # noqa: E402


def _image(path):
    from PIL import Image

    return np.asarray(Image.open(path).convert("L"), dtype=float)


def _two_tower_model():
    inner = lamina.Sequential([lamina.Input((6,), name="inner_in"), lamina.layers.Dense(3, name="inner_dense")],
                              name="inner")
    a, b = lamina.Input((4,), name="a"), lamina.Input((4,), name="b")
    shared = lamina.layers.Dense(6, activation="relu", name="shared")
    joined = lamina.layers.Add(name="add")([shared(a), shared(b)])
    return lamina.Model([a, b], lamina.layers.Dense(2, name="head")(inner(joined)), name="two_towers")


def test_model_to_dot_names_every_layer_and_edge():
    require("pydot")
    model = _two_tower_model()
    source = utils.model_to_dot(model, show_shapes=True, show_layer_names=True).to_string()
    for name in ("a", "b", "shared", "add", "inner", "head"):
        assert re.search(rf'^"{name}" \[label=<.*<b>{name}</b>', source, re.M), name
    for edge in ('"a" -> "shared"', '"b" -> "shared"', '"shared" -> "add"', '"add" -> "inner"', '"inner" -> "head"'):
        assert edge in source
    assert "Output shape: <b>(None, 6)</b>" in source
    nested = utils.model_to_dot(model, expand_nested=True).to_string()
    assert "subgraph cluster_inner" in nested
    assert '"add" -> "inner/inner_in"' in nested and '"inner/inner_dense" -> "head"' in nested


def test_plot_model_png_scales_with_dpi_and_is_not_blank(tmp_path):
    require("pydot")
    require_program("dot")
    require("PIL")
    model = _two_tower_model()
    sizes = {}
    for dpi in (48, 96):
        path = tmp_path / f"model_{dpi}.png"
        utils.plot_model(model, to_file=str(path), show_shapes=True, dpi=dpi)
        pixels = _image(path)
        sizes[dpi] = pixels.shape
        assert (pixels < 128).mean() > 0.05  # the black title rows of the boxes
        assert (pixels > 200).mean() > 0.3  # white background
    # A tall picture (4 rows of boxes from top to bottom) whose size doubles with the dpi.
    assert sizes[48][0] > 1.3 * sizes[48][1]
    assert sizes[96][0] == pytest.approx(2 * sizes[48][0], rel=0.05)
    assert sizes[96][1] == pytest.approx(2 * sizes[48][1], rel=0.05)


def test_plot_model_without_pydot_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "pydot", None)
    with pytest.raises(ImportError, match=r"pip install 'lamina\[plot\]'"):
        utils.plot_model(_two_tower_model(), to_file=str(tmp_path / "m.png"))


def test_plot_history_png_has_a_panel_per_metric_with_both_curves(tmp_path):
    require("matplotlib")
    require("PIL")
    history = {"loss": [1.0, 0.6, 0.4], "val_loss": [1.1, 0.8, 0.7], "accuracy": [0.3, 0.6, 0.8],
               "val_accuracy": [0.2, 0.5, 0.6]}
    path = tmp_path / "history.png"
    figure = utils.plot_history(history, to_file=str(path))
    assert [ax.get_title() for ax in figure.axes] == ["loss", "accuracy"]
    assert [[line.get_label() for line in ax.lines] for ax in figure.axes] == \
        [["loss", "val_loss"], ["accuracy", "val_accuracy"]]
    np.testing.assert_allclose(figure.axes[0].lines[1].get_ydata(), history["val_loss"])
    pixels = _image(path)
    assert pixels.shape == (350, 900)  # 4.5 x 3.5 inches per metric at 100 dpi
    assert (pixels < 200).mean() > 0.01 and (pixels > 250).mean() > 0.5
    only_loss = utils.plot_history(history, metrics=["loss"], to_file=str(tmp_path / "loss.png"))
    assert len(only_loss.axes) == 1 and _image(tmp_path / "loss.png").shape == (350, 450)
    with pytest.raises(ValueError, match="no metric"):
        utils.plot_history(history, metrics=["mae"])
