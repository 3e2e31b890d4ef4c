"""Imports point one way along the pipeline: audio -> features -> data -> models ->
training / evaluation -> inference -> cli / serve (inference never imports training)."""

from __future__ import annotations

import ast
from pathlib import Path

import ssaser

PACKAGE = Path(ssaser.__file__).parent
#: Rank of each subpackage along the pipeline; a module may import only equal or lower ranks.
RANK = {
    "errors": 0, "runtime": 0, "audio": 1, "features": 2, "data": 3, "models": 4,
    "evaluation": 5, "training": 6, "inference": 6, "serve": 7, "cli": 8,
}
#: Same rank, still forbidden.
FORBIDDEN = {("inference", "training"), ("training", "inference"), ("serve", "training")}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ssaser."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("ssaser."))
    return found


def test_imports_follow_the_pipeline():
    violations = []
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).parts
        if len(parts) < 2:
            continue  # ssaser/__init__.py, __main__.py, errors.py
        layer = parts[0]
        for target in _imports(path):
            if target not in RANK:
                continue
            if RANK[target] > RANK[layer] or (layer, target) in FORBIDDEN:
                violations.append(f"{path.relative_to(PACKAGE)} imports ssaser.{target}")
    assert not violations, "\n".join(violations)


def test_every_subpackage_has_a_rank():
    subpackages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert subpackages <= set(RANK) | {"configs"}
