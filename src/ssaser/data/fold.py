"""One fold of a cross-validation protocol: the positions that train, select and test.

Made by :func:`ssaser.data.splits.make_folds`; read by the training (``ssaser cv``, ``ssaser train``),
which reports :meth:`Fold.describe` and stores :meth:`Fold.to_dict` in ``results.json``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["EMPTY_PART", "Fold"]

#: The test part of a fold without one.
EMPTY_PART = np.zeros(0, dtype=np.int64)


@dataclass(frozen=True, eq=False)  # eq on index arrays would be ambiguous; compare parts explicitly
class Fold:
    """One fold of a protocol.

    Attributes
    ----------
    protocol : str
        ``sd-random``, ``sd-phrase``, ``loso`` or ``given``.
    fold : int
        0-based fold number.
    n_folds : int
        Folds in the protocol.
    train, val, test : numpy.ndarray
        ``(n,)`` int64 sorted positions (``df.iloc``) of each part; ``test`` is empty when
        there is no separate test part.
    has_test : bool
        Whether a separate test part exists (if not, selection and report share ``val``).
    val_groups, test_groups : tuple of str
        The phrases (``sd-phrase``) or speakers (``loso``) of the held-out parts; empty
        for ``sd-random``, where they are random utterances.
    """

    protocol: str
    fold: int
    n_folds: int
    train: np.ndarray
    val: np.ndarray
    test: np.ndarray = field(default_factory=lambda: EMPTY_PART)
    has_test: bool = False
    val_groups: tuple[str, ...] = ()
    test_groups: tuple[str, ...] = ()

    def describe(self) -> str:
        """One line: protocol, fold, part sizes, what is held out, and whether selection saw the test."""

        def groups(names: tuple[str, ...]) -> str:
            if not names:
                return ""
            kind = "phrase" if self.protocol == "sd-phrase" else "speaker"
            shown = ", ".join(names[:4]) + (f", ... ({len(names)})" if len(names) > 4 else "")
            return f" ({kind}{'s' if len(names) > 1 else ''} {shown})"

        head = (f"{self.protocol} fold {self.fold + 1}/{self.n_folds}: train {self.train.size}, "
                f"val {self.val.size}{groups(self.val_groups)}")
        if self.has_test:
            return f"{head}, test {self.test.size}{groups(self.test_groups)}; selection never saw the test part"
        return f"{head}; no separate test part: selection and report both use the validation part (the paper's way, optimistic)"

    def to_dict(self) -> dict:
        """JSON-able summary (sizes and groups, not the index arrays)."""
        return {"protocol": self.protocol, "fold": self.fold, "n_folds": self.n_folds,
                "train": int(self.train.size), "val": int(self.val.size), "test": int(self.test.size),
                "has_test": self.has_test, "val_groups": list(self.val_groups),
                "test_groups": list(self.test_groups)}
