"""The report of ``ssaser evaluate``: one model scored on labelled manifests it was not trained on."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

from ssaser.atomic_files import atomic_write_text


def render_evaluation(results: Mapping) -> str:
    """Markdown: what was scored and how, the metrics, per-speaker collapse, the confusion figure.

    ``results`` is ``results.json`` of ``ssaser evaluate`` (``Evaluation.to_dict()`` plus ``model``,
    ``manifests``, ``command``, ``figures``).
    """
    m = results["metrics"]
    lines = [
        f"# {results['model']} on {', '.join(Path(p).name for p in results['manifests'])}", "",
        f"- Command: `{results.get('command', '')}`",
        f"- Utterances scored: {m['n']}; classes: {', '.join(results['labels'])}",
        f"- Normalisation: `{results['unseen_speaker_norm']}`, {results['normalisation']}",
    ]
    if results.get("training_overlap"):
        lines.append(f"- **{results['training_overlap']} of these files were in the model's training manifests**: "
                     "for them this is not a held-out figure")
    for label, count in results.get("left_out", {}).items():
        lines.append(f"- Left out: {label}: {count}")
    if results.get("failed"):
        lines.append(f"- Unreadable files (not scored): {len(results['failed'])}")
    lines += ["", "| UAR % | WA % | macro-F1 % |", "|---|---|---|",
              f"| {100 * m['uar']:.2f} | {100 * m['wa']:.2f} | {100 * m['macro_f1']:.2f} |", "",
              "Per speaker (largest share of one predicted class: 1.0 = every utterance given one class; "
              f"{1 / len(results['labels']):.2f} for a balanced speaker scored perfectly):", "",
              "| speaker | utterances | UAR % | largest class share | class |", "|---|---|---|---|---|"]
    for row in results["per_speaker"]:
        lines.append(f"| {row['speaker']} | {row['n']} | {100 * row['uar']:.1f} | {row['max_class_share']:.2f} "
                     f"| {row['max_class']} |")
    for figure in results.get("figures", []):
        lines += ["", f"![{Path(figure).stem}]({Path(figure).name})"]
    return "\n".join(lines) + "\n"


def write_evaluation_report(results: Mapping, path: str | Path) -> Path:
    return atomic_write_text(Path(path), render_evaluation(results))
