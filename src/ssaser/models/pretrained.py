"""Models bundled with the package: found by name wherever a model directory is accepted.

Each bundled model is an ordinary model directory under ``ssaser/pretrained/<name>/`` (so it
loads like any other, running no code from its files) with two more files beside
``config.json`` and ``model.safetensors``: ``MODEL_CARD.md`` (training command, data, licence of
the weights, cross-validated accuracy, limits) and ``card.json`` (the same facts, read by
``ssaser models``). Nothing here imports torch: ``ssaser models`` and a bad name answer at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ssaser.errors import ModelFileError

#: Where the bundled model directories lie (package data).
BUNDLED_ROOT = Path(__file__).resolve().parent.parent / "pretrained"
CARD_NAME = "MODEL_CARD.md"
CARD_DATA_NAME = "card.json"


@dataclass(frozen=True)
class BundledModel:
    """One bundled model.

    Attributes
    ----------
    name : str
        What ``--model`` and :meth:`Recognizer.from_pretrained` take.
    path : Path
        Its model directory.
    card : dict
        ``card.json``: ``summary``, ``system``, ``emotions``, ``licence``, ``accuracy`` ...
    """

    name: str
    path: Path
    card: dict

    @property
    def megabytes(self) -> float:
        """Size of the weights file."""
        weights = self.path / "model.safetensors"
        return weights.stat().st_size / 1e6 if weights.is_file() else 0.0


def bundled_models(root: Path = BUNDLED_ROOT) -> list[BundledModel]:
    """The bundled models, sorted by name (folders with a ``config.json``)."""
    if not root.is_dir():
        return []
    models = []
    for folder in sorted(p for p in root.iterdir() if (p / "config.json").is_file()):
        card_file = folder / CARD_DATA_NAME
        try:
            card = json.loads(card_file.read_text()) if card_file.is_file() else {}
        except (OSError, ValueError):
            card = {}
        models.append(BundledModel(folder.name, folder, card if isinstance(card, dict) else {}))
    return models


def bundled_names(root: Path = BUNDLED_ROOT) -> list[str]:
    return [m.name for m in bundled_models(root)]


def resolve_model(ref: str | Path, root: Path = BUNDLED_ROOT) -> Path:
    """A model directory from a path or a bundled model's name (an existing path wins).

    Raises
    ------
    ModelFileError
        Neither an existing path nor a bundled name (the message lists the bundled names).
    """
    path = Path(ref)
    if path.exists():
        return path
    if isinstance(ref, str) and "/" not in ref and (root / ref / "config.json").is_file():
        return root / ref
    names = bundled_names(root)
    bundled = f"bundled models: {', '.join(names)}" if names else "no model is bundled"
    raise ModelFileError(f"{ref}: model directory not found, nor a bundled model's name ({bundled}; see ssaser models)")
