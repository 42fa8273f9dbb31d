"""`lamina.export`: models out of Python -- ONNX files (`to_onnx`, `Model.export`) and the
versioned directories `lamina serve` loads."""

from __future__ import annotations

from lamina.export.onnx_graph import ExportError

__all__ = ["ExportError", "to_onnx", "export_onnx"]


def to_onnx(model, opset: int = 18, dynamic_batch: bool = True):
    """Converts a built Sequential or functional model (or a trained canned Estimator with numeric
    feature columns) to an ONNX model.

    Args:
        model: the lamina model (nested models are inlined), or an Estimator.
        opset: the ONNX opset to target (18 or newer).
        dynamic_batch: leave the batch dimension free (`"batch"`); with False it is fixed at the
            model's declared batch size, or 1.

    Returns:
        An `onnx.ModelProto` that passed `onnx.checker.check_model(full_check=True)`.

    Raises:
        ExportError: naming the layer that cannot be exported and why.
        ImportError: when the `onnx` package is missing (`pip install lamina[onnx]`).
    """
    from lamina.export.onnx_model import build_onnx

    if not hasattr(model, "layers") and hasattr(model, "_ready_runtime"):  # a canned Estimator
        from lamina.estimators.export import estimator_model

        model = estimator_model(model)
    return build_onnx(model, opset=opset, dynamic_batch=dynamic_batch)


def export_onnx(model, filepath, opset: int = 18, dynamic_batch: bool = True) -> None:
    """Writes `to_onnx(model, ...)` to `filepath`; nothing is written when the export fails."""
    from lamina.export.onnx_model import save_onnx

    save_onnx(to_onnx(model, opset=opset, dynamic_batch=dynamic_batch), filepath)
