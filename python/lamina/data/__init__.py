"""`lamina.data`: input pipelines (Dataset) accepted by fit/evaluate/predict."""

from lamina.data.dataset import Dataset

__all__ = ["Dataset"]
