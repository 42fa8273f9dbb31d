"""`lamina.models`: Model, Sequential, functional models, and model files."""

from lamina.models.functional import Functional
from lamina.models.model import Model
from lamina.models.sequential import Sequential
from lamina.models.cloning import clone_model, model_from_json
from lamina.saving.saving_api import load_model, save_model

__all__ = ["Model", "Sequential", "Functional", "clone_model", "model_from_json", "load_model", "save_model"]
