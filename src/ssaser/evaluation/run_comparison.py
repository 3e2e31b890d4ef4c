"""Two ``ssaser cv`` runs on the same folds, compared fold by fold (an ablation's rows).

Each system both runs trained is paired on the folds both completed: the reported metric (test
part when the runs have one) and the selection figure (validation), with the settings that differ
between the two runs. Runs whose folds differ (another corpus, protocol, split seed, or a fold
with other speakers or counts) are refused: their differences would not be paired.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from ssaser.errors import SsaserError
from ssaser.evaluation.metrics import paired_difference
from ssaser.evaluation.report import ci_text

#: results.json keys that must agree for two runs to share their folds.
_FOLD_KEYS = ("protocol", "folds", "split_seed", "test_fraction", "reported_split")


def read_results(path: str | Path) -> dict:
    """``results.json`` of a run folder (or the file itself)."""
    path = Path(path)
    file = path / "results.json" if path.is_dir() else path
    try:
        data = json.loads(file.read_text())
    except FileNotFoundError:
        raise SsaserError(f"{file}: no such file (give an ssaser cv output folder or its results.json)") from None
    except (OSError, ValueError) as exc:
        raise SsaserError(f"{file}: not a readable results.json ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("models"), dict):
        raise SsaserError(f"{file}: not an ssaser cv results.json (no 'models')")
    return data


def _flat(config: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in config.items():
        if isinstance(value, Mapping):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def setting_changes(base: Mapping[str, Any], cand: Mapping[str, Any]) -> list[str]:
    """``key: a -> b`` for every training or model setting that differs (flattened, sorted)."""
    a, b = _flat(base), _flat(cand)
    return [f"{k}: {a.get(k, '-')} -> {b.get(k, '-')}" for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]


def validation_swing(folds: list[Mapping]) -> float | None:
    """Mean over folds of ``|val UAR(e) - val UAR(e-1)|`` over the last third of the epochs (at least
    3): how much the selection figure still moves when training ends (0 = settled)."""
    swings = []
    for fold in folds:
        values = [h["val_uar"] for h in fold.get("history", []) if h.get("val_uar") is not None]
        tail = values[-max(3, len(values) // 3):]
        if len(tail) >= 2:
            swings.append(sum(abs(b - a) for a, b in zip(tail, tail[1:])) / (len(tail) - 1))
    return sum(swings) / len(swings) if swings else None


def check_same_folds(base: Mapping, cand: Mapping) -> None:
    """Raise :class:`SsaserError` unless two ``results.json`` mappings ran the same folds."""
    for key in _FOLD_KEYS:
        if base.get(key) != cand.get(key):
            raise SsaserError(f"the runs do not share their folds: {key} is {base.get(key)!r} and {cand.get(key)!r}")
    corpus_a, corpus_b = base.get("corpus", {}), cand.get("corpus", {})
    if (corpus_a.get("utterances"), corpus_a.get("emotions")) != (corpus_b.get("utterances"), corpus_b.get("emotions")):
        raise SsaserError("the runs do not share their folds: their corpora differ (utterances or emotions)")
    for k, (da, db) in enumerate(zip(base.get("folds_description", []), cand.get("folds_description", [])), 1):
        if da != db:
            raise SsaserError(f"the runs do not share their folds: fold {k} is '{da}' in one and '{db}' in the other")


def compare_runs(base: Mapping, cand: Mapping, metric: str = "uar",
                 defaults: Mapping[str, Mapping] | None = None) -> list[dict]:
    """Paired differences ``candidate - baseline`` per system both runs trained.

    Parameters
    ----------
    base, cand : mapping
        Two ``results.json`` mappings on the same folds.
    metric : str
        ``uar``, ``wa`` or ``macro_f1``.
    defaults : mapping, optional
        ``{"config": {...}, "model": {...}}``: values of settings that a run's files lack (a key
        added after the run), so that such a key reads as its default rather than as a change.

    Returns
    -------
    list of dict
        Per system: ``system``, ``folds`` (0-based, shared), ``baseline`` and ``candidate`` means of
        the reported part, ``reported`` (:func:`paired_difference` of it), ``selection`` (the same
        on the validation figure; None without one), ``swing`` (:func:`validation_swing` of each
        run), ``seconds`` (training time of the shared folds, each run) and ``changes``
        (:func:`setting_changes`).

    Raises
    ------
    SsaserError
        When the folds differ, or no system shares two completed folds.
    """
    check_same_folds(base, cand)
    defaults = defaults or {}

    def settings(run: Mapping, system: str) -> dict:
        config = {**defaults.get("config", {}), **run["configs"].get(system, {})}
        return {**config, "model": {**defaults.get("model", {}), **run["model_configs"].get(system, {})}}

    def values(folds: list[Mapping]) -> list[float]:
        return [float(f[metric]) for f in folds]

    def selection_values(folds: list[Mapping]) -> list[float]:
        return [float(f["val"][metric]) for f in folds if f.get("val")]

    rows = []
    for system, model in cand["models"].items():
        if system not in base["models"]:
            continue
        a = {f["fold"]: f for f in base["models"][system]["folds"]}
        shared = [f for f in model["folds"] if f["fold"] in a]
        if len(shared) < 2:
            continue
        base_folds = [a[f["fold"]] for f in shared]
        base_val, cand_val = selection_values(base_folds), selection_values(shared)
        selection = paired_difference(base_val, cand_val) if len(base_val) == len(cand_val) == len(shared) else None
        rows.append({
            "system": system, "folds": [f["fold"] for f in shared],
            "baseline": sum(values(base_folds)) / len(shared), "candidate": sum(values(shared)) / len(shared),
            "reported": paired_difference(values(base_folds), values(shared)), "selection": selection,
            "swing": (validation_swing(base_folds), validation_swing(shared)),
            "seconds": (sum(f.get("seconds", 0.0) for f in base_folds), sum(f.get("seconds", 0.0) for f in shared)),
            "changes": setting_changes(settings(base, system), settings(cand, system)),
        })
    if not rows:
        raise SsaserError("no system of the two runs shares two completed folds")
    return rows


def comparison_lines(rows: list[dict], reported_split: str, metric: str = "uar") -> list[str]:
    """A Markdown table of :func:`compare_runs` (points, i.e. percent of ``metric``)."""

    def diff(d: Mapping | None) -> str:
        if d is None:
            return ""
        ci = ci_text(d)
        return f"{100 * d['mean']:+.2f}{' ' + ci if ci else ''} ({d['better']}/{d['worse']}/{d['tied']})"

    def swing(value: float | None) -> str:
        return "?" if value is None else f"{100 * value:.1f}"

    lines = [f"| system | folds | baseline {metric} % | candidate {metric} % | {reported_split}: difference [95% CI] "
             "(better/worse/tied) | validation (selection): difference | validation swing at the end, "
             "baseline / candidate (points per epoch) | training s, baseline / candidate | settings changed |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['system']} | {' '.join(str(f + 1) for f in r['folds'])} | {100 * r['baseline']:.2f} "
                     f"| {100 * r['candidate']:.2f} | {diff(r['reported'])} | {diff(r['selection'])} "
                     f"| {swing(r['swing'][0])} / {swing(r['swing'][1])} "
                     f"| {r['seconds'][0]:.0f} / {r['seconds'][1]:.0f} | {'; '.join(r['changes']) or 'none'} |")
    return lines
