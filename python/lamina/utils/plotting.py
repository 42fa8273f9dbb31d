"""Plotting a training History with matplotlib (an optional dependency)."""

from __future__ import annotations


def plot_history(history, metrics=None, filename=None, show=False):
    """Plots each metric of a History (train and validation curves) against the epoch.

    Args:
        history: the History returned by fit (or its `.history` dict).
        metrics: names to plot (default: every metric without the "val_" prefix).
        filename: save the figure there when given.
        show: call plt.show().

    Returns:
        the matplotlib Figure.
    """
    try:
        import matplotlib

        if filename and not show:
            matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError as e:
        raise ImportError("plot_history needs matplotlib, which is not installed: pip install matplotlib") from e
    logs = history.history if hasattr(history, "history") else dict(history)
    names = metrics or [k for k in logs if not k.startswith("val_")]
    fig, axes = plt.subplots(1, len(names), figsize=(4.5 * len(names), 3.5), squeeze=False)
    for ax, name in zip(axes[0], names):
        ax.plot(range(1, len(logs[name]) + 1), logs[name], label=name)
        if "val_" + name in logs:
            ax.plot(range(1, len(logs["val_" + name]) + 1), logs["val_" + name], label="val_" + name)
        ax.set_xlabel("epoch")
        ax.set_title(name)
        ax.legend()
    fig.tight_layout()
    if filename:
        fig.savefig(filename)
    if show:
        plt.show()
    return fig
