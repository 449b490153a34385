"""Edge-AI-Tiny: a Keras model to verified predictions on a microcontroller."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["load_model", "DeployedModel"]


def __getattr__(name: str) -> Any:
    """`pipeline.load_model` / `pipeline.DeployedModel`, imported on first use so that
    `python -m pipeline` stays fast (TensorFlow is imported only when a Keras file needs it)."""
    if name == "load_model":
        from pipeline.load import load_model

        return load_model
    if name == "DeployedModel":
        from pipeline.api import DeployedModel

        return DeployedModel
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
