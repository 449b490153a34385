"""The dataset artifact (`data.npz`): x_train, y_train, x_test, y_test."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.errors import PipelineError

ARRAYS = ("x_train", "y_train", "x_test", "y_test")


@dataclass(frozen=True)
class Dataset:
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    def save(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, **{name: getattr(self, name) for name in ARRAYS})
        return path

    @classmethod
    def load(cls, path: Path) -> "Dataset":
        if not path.is_file():
            raise PipelineError(f"data file {path} not found; pass --data with an existing .npz")
        try:
            with np.load(path) as npz:
                missing = [name for name in ARRAYS if name not in npz.files]
                if missing:
                    raise PipelineError(
                        f"data file {path} lacks {', '.join(missing)}; it needs arrays "
                        f"{', '.join(ARRAYS)} (features shaped like the model input without batch)"
                    )
                arrays = {name: np.asarray(npz[name]) for name in ARRAYS}
        except (OSError, ValueError) as exc:
            raise PipelineError(f"data file {path} is not a readable .npz ({exc}); save it with numpy.savez") from exc
        if len(arrays["x_train"]) != len(arrays["y_train"]) or len(arrays["x_test"]) != len(arrays["y_test"]):
            raise PipelineError(f"data file {path}: x_* and y_* lengths differ; give one label per sample")
        return cls(
            x_train=arrays["x_train"].astype(np.float32),
            y_train=arrays["y_train"].astype(np.int64),
            x_test=arrays["x_test"].astype(np.float32),
            y_test=arrays["y_test"].astype(np.int64),
        )
