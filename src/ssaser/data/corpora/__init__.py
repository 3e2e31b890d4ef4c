"""Corpus preparers: turn a corpus folder into a manifest.

``PREPARERS`` maps a corpus name to ``prepare(root, **options) -> PreparedCorpus``;
:func:`prepare_corpus` looks one up and checks that the options apply to it.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any, Callable

from ssaser.data.corpora.atthack import prepare_atthack
from ssaser.data.corpora.base import PreparedCorpus
from ssaser.data.corpora.cremad import prepare_cremad
from ssaser.data.corpora.emodb import prepare_emodb
from ssaser.data.corpora.iemocap import prepare_iemocap
from ssaser.data.corpora.ravdess import prepare_ravdess
from ssaser.errors import ManifestError

PREPARERS: dict[str, Callable[..., PreparedCorpus]] = {
    "emodb": prepare_emodb,
    "ravdess": prepare_ravdess,
    "iemocap": prepare_iemocap,
    "atthack": prepare_atthack,
    "cremad": prepare_cremad,
}


def corpus_options(name: str) -> tuple[str, ...]:
    """The keyword options the preparer of corpus ``name`` accepts (besides ``root``)."""
    params = inspect.signature(_preparer(name)).parameters
    return tuple(p for p in params if p != "root")


def prepare_corpus(name: str, root: str | Path, **options: Any) -> PreparedCorpus:
    """Prepare corpus ``name`` found under ``root``.

    Parameters
    ----------
    name : str
        One of :data:`PREPARERS`.
    root : str or Path
        The corpus folder.
    **options
        Options of that corpus's preparer (e.g. ``merge_excited=True`` for IEMOCAP).

    Raises
    ------
    ManifestError
        Unknown corpus, an option that does not apply to it, or a corpus tree with
        nothing usable.
    """
    preparer = _preparer(name)
    unknown = sorted(set(options) - set(corpus_options(name)))
    if unknown:
        flags = ", ".join("--" + o.replace("_", "-") for o in unknown)
        raise ManifestError(f"option(s) {flags} do not apply to corpus {name}")
    return preparer(Path(root), **options)


def _preparer(name: str) -> Callable[..., PreparedCorpus]:
    try:
        return PREPARERS[name]
    except KeyError:
        raise ManifestError(f"unknown corpus {name!r}; known: {', '.join(PREPARERS)}") from None


__all__ = ["PREPARERS", "PreparedCorpus", "corpus_options", "prepare_corpus"]
