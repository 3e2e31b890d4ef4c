"""Imports point one way along the pipeline, as docs/architecture.md states it: the test reads
the page's layer table and checks every ``ssaser`` import of the package against it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import ssaser

PACKAGE = Path(ssaser.__file__).parent
PAGE = Path(__file__).resolve().parents[1] / "docs" / "architecture.md"
FOUNDATION_ROW = "foundation"


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ssaser."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("ssaser."))
    return found


def stated_layers() -> tuple[set[str], dict[str, set[str] | None]]:
    """(foundation modules, {subpackage: what it may import, None = everything}) from the page."""
    text = PAGE.read_text()
    table = text.split("<!-- layers: begin -->")[1].split("<!-- layers: end -->")[0]
    foundation: set[str] = set()
    allowed: dict[str, set[str] | None] = {}
    for row in table.strip().splitlines()[2:]:
        left, right = (cell.strip() for cell in row.strip().strip("|").split("|"))
        names = set(re.findall(r"`(\w+)`", left))
        if left.startswith(FOUNDATION_ROW):
            foundation = names
            continue
        (name,) = names
        if right == "everything":
            allowed[name] = None
        else:
            targets = set(re.findall(r"`(\w+)`", right))
            allowed[name] = targets | (foundation if FOUNDATION_ROW in right else set())
    return foundation, allowed


@pytest.fixture(scope="module")
def layers():
    if not PAGE.is_file():
        pytest.skip("docs/architecture.md is not beside the tests (an installed package)")
    return stated_layers()


def test_imports_follow_the_stated_layers(layers):
    foundation, allowed = layers
    violations = []
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).parts
        if len(parts) < 2:
            layer = parts[0].removesuffix(".py")
            if layer in foundation:  # the foundation imports only itself
                violations += [f"{parts[0]} imports ssaser.{t}" for t in _imports(path) if t not in foundation]
            continue  # __init__.py, __main__.py
        layer = parts[0]
        may = allowed[layer]
        if may is None:
            continue
        violations += [f"{path.relative_to(PACKAGE)} imports ssaser.{t}" for t in _imports(path)
                       if t != layer and t not in may]
    assert not violations, "\n".join(violations)


def test_every_subpackage_and_foundation_module_is_on_the_page(layers):
    foundation, allowed = layers
    subpackages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert subpackages == set(allowed)
    modules = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__", "__main__"}
    assert modules == foundation


def test_inference_never_imports_training(layers):
    _, allowed = layers
    assert "training" not in allowed["inference"] and "training" not in allowed["serve"]
