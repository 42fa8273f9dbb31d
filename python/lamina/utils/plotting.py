"""Plotting a training History with matplotlib (an optional dependency)."""

from __future__ import annotations


def plot_history(history, metrics=None, to_file=None, show=False):
    """Plots each metric of a History (train and validation curves) against the epoch.

    Args:
        history: the History returned by fit (or its `.history` dict).
        metrics: names to plot (default: every metric without the `val_` prefix).
        to_file: save the figure there when given (the extension picks the format); the
            image is 450 x 350 pixels per metric at matplotlib's default 100 dpi.
        show: call plt.show().

    Returns:
        the matplotlib Figure.
    """
    try:
        import matplotlib

        if to_file and not show:
            matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError as e:
        raise ImportError("plot_history needs matplotlib, which is not installed: pip install 'lamina[plot]' "
                          "(or pip install matplotlib)") from e
    logs = history.history if hasattr(history, "history") else dict(history)
    names = metrics or [k for k in logs if not k.startswith("val_")]
    unknown = [n for n in names if n not in logs]
    if unknown:
        raise ValueError(f"plot_history: no metric {unknown} in the history, which has {sorted(logs)}")
    fig, axes = plt.subplots(1, len(names), figsize=(4.5 * len(names), 3.5), squeeze=False)
    for ax, name in zip(axes[0], names):
        ax.plot(range(1, len(logs[name]) + 1), logs[name], label=name)
        if "val_" + name in logs:
            ax.plot(range(1, len(logs["val_" + name]) + 1), logs["val_" + name], label="val_" + name)
        ax.set_xlabel("epoch")
        ax.set_title(name)
        ax.legend()
    fig.tight_layout()
    if to_file:
        fig.savefig(to_file)
    if show:
        plt.show()
    return fig
