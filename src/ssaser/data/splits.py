"""Cross-validation protocols: which utterances train, select (validation) and test.

Three protocols, each a list of :class:`Fold` (positions into the manifest table):

``sd-random``
    Speaker-dependent, the paper's IEMOCAP protocol: ``k`` independent random 80/20 splits
    (``k`` different random draws, not a partition). Stratified by speaker and emotion
    where every (speaker, emotion) cell allows it, else by emotion, else not at all.
``sd-phrase``
    Speaker-dependent but linguistically disjoint, the paper's Att-HACK protocol: the
    phrases are shuffled into ``k`` groups as even as possible; fold ``i`` validates on
    groups ``i, i+1, ..`` (``round(0.2 k)`` of them, rotating), so with 10 groups of 10
    phrases every fold trains on 80 phrases and validates on 20, and every utterance is
    validated exactly ``round(0.2 k)`` times over the ``k`` folds.
``loso``
    Speaker-independent: leave one speaker out (``k`` = number of speakers); with fewer
    folds, speakers are shuffled into ``k`` groups and one group is left out per fold.
    Every utterance is validated exactly once.
``given``
    Folds someone else defined (a benchmark's, e.g. EmoBox's): the manifest's ``fold`` column
    (any labels; :func:`ssaser.data.fold_files.assign_folds` fills it from a file) names each
    fold's test part; validation is a random stratified ``val_fraction`` of the other rows, so
    selection never sees the test part. A fold whose test speakers also appear in its training
    part is reported with a warning (it is not speaker-independent).

Without a test part (``test_fraction=0``, the paper's way) model selection and the
reported figures use the same validation part, which is optimistic. With
``test_fraction > 0`` a test part is carved out first and selection never sees it:

- ``sd-random``: a random stratified ``test_fraction`` of the utterances, the same for all
  folds; the folds split the rest;
- ``sd-phrase``: ``round(test_fraction * phrases)`` (at least one) randomly chosen phrases,
  the same for all folds; the folds group the other phrases;
- ``loso``: the held-out speaker (group) is the test part of its fold, and validation is a
  random stratified ``val_fraction`` of the *remaining* speakers' utterances. The size of
  the test part is therefore set by the speaker, not by ``test_fraction`` (any value > 0
  switches it on). Selection then sees only training speakers, as a deployed model would;
  the test speaker stays unseen by both training and selection.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit

from ssaser.data.fold import EMPTY_PART, Fold
from ssaser.data.protocols import PROTOCOLS
from ssaser.errors import ManifestError, SsaserWarning

__all__ = ["PROTOCOLS", "Fold", "make_folds", "thin_groups"]


def _sorted(positions: np.ndarray) -> np.ndarray:
    return np.sort(np.asarray(positions, dtype=np.int64))


def _random_splits(df: pd.DataFrame, positions: np.ndarray, fraction: float, n_splits: int,
                   seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """``n_splits`` random (rest, part) splits of ``positions``, ``part`` about ``fraction`` of them.

    Stratified by speaker and emotion where possible, else by emotion, else plain random.
    """
    n_part = int(round(fraction * positions.size))
    if n_part < 1 or n_part >= positions.size:
        raise ManifestError(
            f"cannot hold out {fraction:.0%} of {positions.size} utterance(s): a part would be empty")
    sub = df.iloc[positions]
    keys = [sub["speaker"].astype(str) + "\t" + sub["emotion"].astype(str), sub["emotion"].astype(str)]
    for key in keys:
        try:
            splitter = StratifiedShuffleSplit(n_splits=n_splits, test_size=n_part, random_state=seed)
            return [(positions[a], positions[b]) for a, b in splitter.split(positions, key.to_numpy())]
        except ValueError:
            continue  # a class too small for this stratification: try a coarser one
    splitter = ShuffleSplit(n_splits=n_splits, test_size=n_part, random_state=seed)
    return [(positions[a], positions[b]) for a, b in splitter.split(positions)]


def _sd_random(df, folds, seeds, test_fraction, val_fraction) -> list[Fold]:
    everything = np.arange(len(df), dtype=np.int64)
    test = EMPTY_PART
    if test_fraction > 0:
        everything, test = _random_splits(df, everything, test_fraction, 1, seeds[0])[0]
    splits = _random_splits(df, everything, val_fraction, folds, seeds[1])
    return [Fold("sd-random", i, folds, _sorted(tr), _sorted(va), _sorted(test), test_fraction > 0)
            for i, (tr, va) in enumerate(splits)]


def _positions_of(values: pd.Series, chosen) -> np.ndarray:
    return np.flatnonzero(values.isin(list(chosen)).to_numpy()).astype(np.int64)


def _group_column(df: pd.DataFrame, column: str, protocol: str) -> pd.Series:
    if column not in df.columns:
        raise ManifestError(f"{protocol} needs a {column!r} column in the manifest; it has none")
    values = df[column]
    empty = values.isna() | (values.astype(str).str.strip() == "")
    if empty.any():
        raise ManifestError(f"{protocol}: {int(empty.sum())} row(s) have an empty {column!r}")
    return values.astype(str)


def _sd_phrase(df, folds, seeds, test_fraction, val_fraction) -> list[Fold]:
    phrase = _group_column(df, "phrase", "sd-phrase")
    names = np.array(sorted(phrase.unique()))
    if names.size < 2:
        raise ManifestError(f"sd-phrase needs at least 2 distinct phrases; the manifest has {names.size}")
    if folds < 2:
        raise ManifestError("sd-phrase needs at least 2 folds (validation groups rotate over the folds)")
    order = np.random.default_rng(seeds[0]).permutation(names)
    n_test = max(1, int(round(test_fraction * names.size))) if test_fraction > 0 else 0
    test_names, rest = order[:n_test], order[n_test:]
    if rest.size < folds:
        where = f" outside the {n_test} test phrase(s)" if n_test else ""
        raise ManifestError(f"sd-phrase with {folds} folds needs at least {folds} phrases{where}; "
                            f"there are {rest.size}")
    groups = np.array_split(rest, folds)
    n_val = min(folds - 1, max(1, int(round(val_fraction * folds))))
    test = _positions_of(phrase, test_names)
    out = []
    for i in range(folds):
        val_names = np.concatenate([groups[(i + j) % folds] for j in range(n_val)])
        train_names = np.setdiff1d(rest, val_names)
        out.append(Fold("sd-phrase", i, folds, _positions_of(phrase, train_names), _positions_of(phrase, val_names),
                        test, n_test > 0, tuple(sorted(val_names)), tuple(sorted(test_names))))
    return out


def _validation_part(df: pd.DataFrame, others: np.ndarray, fraction: float, seed: int,
                     by_speaker: bool) -> tuple[np.ndarray, np.ndarray]:
    """(train, val) of the non-test rows: a random stratified ``fraction`` of the utterances, or
    (``by_speaker``) every utterance of ``round(fraction * speakers)`` randomly chosen speakers
    (at least one, never all), so that selection, too, is on voices the model has not trained on."""
    if not by_speaker:
        return _random_splits(df, others, fraction, 1, seed)[0]
    speaker = df["speaker"].astype(str).iloc[others]
    names = np.array(sorted(speaker.unique()))
    if names.size < 2:
        raise ManifestError(f"validation on held-out speakers needs at least 2 training speakers; there are {names.size}")
    n_val = min(names.size - 1, max(1, int(round(fraction * names.size))))
    chosen = np.random.default_rng(seed).permutation(names)[:n_val]
    is_val = speaker.isin(list(chosen)).to_numpy()
    return others[~is_val], others[is_val]


def _loso(df, folds, seeds, test_fraction, val_fraction, val_by_speaker=False) -> list[Fold]:
    speaker = _group_column(df, "speaker", "loso")
    names = np.array(sorted(speaker.unique()))
    if names.size < 2:
        raise ManifestError(f"loso needs at least 2 speakers; the manifest has {names.size}")
    folds = names.size if folds is None else folds
    if folds > names.size:
        raise ManifestError(f"loso with {folds} folds needs at least {folds} speakers; there are {names.size} "
                            f"(use --folds {names.size} or fewer)")
    if folds < 2:
        raise ManifestError("loso needs at least 2 folds")
    # One speaker per fold keeps the speakers' order (readable reports); groups are random.
    order = names if folds == names.size else np.random.default_rng(seeds[0]).permutation(names)
    groups = np.array_split(order, folds)
    out = []
    for i, held in enumerate(groups):
        held_out = _positions_of(speaker, held)
        others = np.setdiff1d(np.arange(len(df), dtype=np.int64), held_out)
        names_out = tuple(sorted(held))
        if test_fraction > 0:
            train, val = _validation_part(df, others, val_fraction, (seeds[1] + i) % 2**32, val_by_speaker)
            out.append(Fold("loso", i, folds, _sorted(train), _sorted(val), held_out, True, (), names_out))
        else:
            out.append(Fold("loso", i, folds, others, held_out, EMPTY_PART, False, names_out))
    return out


def _fold_order(labels) -> list[str]:
    """Fold labels in natural order (``2`` before ``10``)."""
    return sorted(labels, key=lambda x: (0, int(x), "") if str(x).lstrip("-").isdigit() else (1, 0, str(x)))


def _given(df, folds, seeds, test_fraction, val_fraction, val_by_speaker=False) -> list[Fold]:
    fold = _group_column(df, "fold", "given")
    names = _fold_order(fold.unique())
    if len(names) < 2:
        raise ManifestError(f"given folds: the 'fold' column has {len(names)} distinct value(s); at least 2 are needed")
    if folds is not None and folds != len(names):
        raise ManifestError(f"given folds: the 'fold' column defines {len(names)} folds, not --folds {folds}")
    speaker = df["speaker"].astype(str)
    out = []
    for i, name in enumerate(names):
        test = _positions_of(fold, [name])
        others = np.setdiff1d(np.arange(len(df), dtype=np.int64), test)
        train, val = _validation_part(df, others, val_fraction, (seeds[1] + i) % 2**32, val_by_speaker)
        test_speakers = sorted(set(speaker.iloc[test]))
        shared = sorted(set(test_speakers) & set(speaker.iloc[others]))
        if shared:
            warnings.warn(f"given fold {name!r}: {len(shared)} of its test speakers also train "
                          f"(e.g. {shared[0]}): that fold is not speaker-independent", SsaserWarning, stacklevel=3)
        out.append(Fold("given", i, len(names), _sorted(train), _sorted(val), test, True, (), tuple(test_speakers)))
    return out


_BUILDERS = {"sd-random": _sd_random, "sd-phrase": _sd_phrase, "loso": _loso, "given": _given}


def thin_groups(df: pd.DataFrame, protocol: str) -> list[str]:
    """Warnings for emotions and speakers too small for ``protocol`` (one line each).

    An emotion with one utterance cannot be in a training and a validation part at once; a
    speaker with one utterance gives a ``loso`` fold whose score is one utterance's.
    """
    notes = []
    for emotion, n in df["emotion"].astype(str).value_counts().items():
        if n < 2:
            notes.append(f"emotion {emotion!r} has {n} utterance: it cannot be both trained on and validated")
    for speaker, n in df["speaker"].astype(str).value_counts().items():
        if n < 2:
            where = "its loso fold is scored on that one utterance" if protocol == "loso" else \
                "its statistics come from a single utterance"
            notes.append(f"speaker {speaker!r} has {n} utterance: {where}")
    return notes


def make_folds(
    df: pd.DataFrame,
    protocol: str,
    folds: int | None = 10,
    seed: int = 0,
    test_fraction: float = 0.0,
    *,
    val_fraction: float = 0.2,
    val_by_speaker: bool = False,
) -> list[Fold]:
    """Split a manifest into the folds of a protocol (see the module docstring).

    Parameters
    ----------
    df : pandas.DataFrame
        The manifest, one row per utterance; needs ``speaker`` and ``emotion`` (and
        ``phrase`` for ``sd-phrase``). Folds hold positions (``df.iloc``), not labels.
    protocol : str
        ``sd-random``, ``sd-phrase`` or ``loso``.
    folds : int or None
        Number of folds; ``None``: 10, or the number of speakers for ``loso``.
    seed : int
        Same seed, same folds.
    test_fraction : float
        In ``[0, 1)``; above 0, a separate test part that selection never sees.
    val_fraction : float
        Validation share: of the utterances (``sd-random``, ``loso`` with a test part, ``given``) or
        of the phrase groups (``sd-phrase``: ``round(val_fraction * folds)`` groups).
    val_by_speaker : bool
        ``loso`` with a test part and ``given``: validate on ``val_fraction`` of the training
        speakers, held out whole, instead of a share of their utterances.

    Returns
    -------
    list of Fold
        ``folds`` folds whose train, val and test parts are disjoint.

    Raises
    ------
    ManifestError
        Unknown protocol, missing columns, or more folds than the data allows.
    """
    if protocol not in _BUILDERS:
        raise ManifestError(f"unknown protocol {protocol!r}; choose one of {', '.join(PROTOCOLS)}")
    for column in ("speaker", "emotion"):
        _group_column(df, column, protocol)
    if not 0.0 <= test_fraction < 1.0:
        raise ManifestError(f"test fraction must be in [0, 1); got {test_fraction}")
    if not 0.0 < val_fraction < 1.0:
        raise ManifestError(f"validation fraction must be in (0, 1); got {val_fraction}")
    if folds is not None and folds < 1:
        raise ManifestError(f"the number of folds must be at least 1; got {folds}")
    if folds is None and protocol not in ("loso", "given"):
        folds = 10
    for note in thin_groups(df, protocol):
        warnings.warn(note, SsaserWarning, stacklevel=2)
    # Independent sub-seeds for the test draw and the fold draws.
    seeds = [int(s) for s in np.random.SeedSequence(seed).generate_state(2)]
    if val_by_speaker and protocol not in ("loso", "given"):
        raise ManifestError(f"validation on held-out speakers goes with loso or given folds, not {protocol}")
    extra = {"val_by_speaker": True} if val_by_speaker else {}
    return _BUILDERS[protocol](df.reset_index(drop=True), folds, seeds, test_fraction, val_fraction, **extra)
