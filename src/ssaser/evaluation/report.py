"""The Markdown report of a cross-validation run (a Table-1-like comparison).

It is written from ``results.json`` alone, so a report can be rebuilt from saved results.
"""

from __future__ import annotations

from pathlib import Path
from statistics import fmean
from typing import Mapping

from ssaser.atomic_files import atomic_write_text
from ssaser.evaluation.metrics import paired_comparisons, paired_difference
from ssaser.models.registry import display_name, get_system, system_names


def paper_systems() -> list[str]:
    """The registered systems that the paper's Table 1 has, in its order (weakest first)."""
    return [name for name in system_names() if get_system(name).paper_uar]


def _pct(stat: Mapping) -> str:
    mean = 100 * stat["mean"]
    ci = stat.get("ci95")
    return f"{mean:.2f} ± {100 * ci:.2f}" if ci is not None else f"{mean:.2f}"


def ordering_statement(models: Mapping[str, Mapping]) -> str | None:
    """Whether the mean UARs follow the paper's ACRNN < ACRNN-r < SSA-CRNN-r, in one sentence.

    Returns None when fewer than two of the paper's systems were run.
    """
    present = [m for m in paper_systems() if m in models]
    if len(present) < 2:
        return None
    means = [models[m]["summary"]["uar"]["mean"] for m in present]
    chain = " < ".join(display_name(m) for m in present)
    holds = all(a < b for a, b in zip(means, means[1:]))
    observed = ", ".join(f"{display_name(m)} {100 * u:.2f}%" for m, u in zip(present, means))
    verdict = "holds" if holds else "does not hold"
    return (
        f"The paper's ordering {chain} {verdict} here on mean UAR ({observed}); "
        "read a difference against the confidence intervals before calling it real."
    )


def _signed(value: float) -> str:
    """``+1.23`` / ``-1.23``, and an exact or rounded-away tie as ``0.00`` (never ``-0.00``)."""
    rounded = round(value, 2) + 0.0  # + 0.0 turns -0.0 into 0.0
    return "0.00" if rounded == 0 else f"{rounded:+.2f}"


def _ranges(numbers: list[int]) -> str:
    """``[0, 1, 2, 5]`` -> ``"0-2, 5"``."""
    spans: list[list[int]] = []
    for n in sorted(numbers):
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)


def provenance_lines(models: Mapping[str, Mapping]) -> list[str]:
    """One line per (precision, machine) the folds ran with, naming the folds of each system
    (numbered from 1, as the command line prints them).

    Folds written before ssaser recorded these (no ``precision``/``machine`` keys) are grouped
    as "not recorded".
    """
    groups: dict[tuple[str, str], dict[str, list[int]]] = {}
    for name, entry in models.items():
        for fold in entry["folds"]:
            key = (fold.get("precision", "not recorded"), fold.get("machine", "not recorded"))
            groups.setdefault(key, {}).setdefault(name, []).append(fold["fold"] + 1)
    lines = []
    for (precision, machine), members in groups.items():
        where = "; ".join(f"{display_name(m)} fold{'s' * (len(folds) > 1)} {_ranges(folds)}"
                          for m, folds in members.items())
        lines.append(f"- precision `{precision}`, machine `{machine}`: {where}")
    return lines


def speaker_lines(models: Mapping[str, Mapping]) -> list[str]:
    """Per reported speaker and system: UAR and the largest share of one predicted class.

    A share near 1 is collapse (an unseen voice shifted every utterance toward one class), which
    a fold's UAR alone can hide. Empty when the folds carry no ``per_speaker`` (older runs).
    """
    table: dict[str, dict[str, dict]] = {}
    for name, entry in models.items():
        for fold in entry["folds"]:
            for row in fold.get("per_speaker", []):
                table.setdefault(row["speaker"], {})[name] = row
    if not table:
        return []
    names = list(models)
    lines = ["## Per speaker (reported part)", "",
             "UAR % / largest share of one predicted class (1.00: every utterance given one class). "
             "With a test part or leave-one-out, these speakers were not seen in training.", "",
             "| speaker | " + " | ".join(display_name(n) for n in names) + " |", "|---|" + "---|" * len(names)]
    for speaker in sorted(table):
        cells = []
        for n in names:
            row = table[speaker].get(n)
            cells.append(f"{100 * row['uar']:.1f} / {row['max_class_share']:.2f} {row['max_class']}" if row else "")
        lines.append(f"| {speaker} | " + " | ".join(cells) + " |")
    return lines + [""]


def normalisation_lines(models: Mapping[str, Mapping]) -> list[str]:
    """Test UAR with unseen speakers normalised ``global`` and ``self``, by the same trained models.

    Empty when no fold carries ``unseen_speaker_norms`` (no unseen test speakers, or older runs).
    """
    rows = []
    for name, entry in models.items():
        folds = [f["unseen_speaker_norms"] for f in entry["folds"] if f.get("unseen_speaker_norms")]
        if not folds:
            continue
        g, s_ = [f["global"]["uar"] for f in folds], [f["self"]["uar"] for f in folds]
        ci = ci_text(paired_difference(g, s_)) if len(folds) > 1 else ""
        diff = f"{_signed(100 * (fmean(s_) - fmean(g)))} {ci}".rstrip()
        rows.append(f"| {display_name(name)} | {100 * fmean(g):.2f} | {100 * fmean(s_):.2f} | {diff} | {len(folds)} |")
    if not rows:
        return []
    return ["## Unseen speakers normalised two ways (test part, the same trained models)", "",
            "`global`: the training part's statistics (no audio of the test speaker is used); `self`: statistics "
            "fitted on each test speaker's own unlabelled test utterances (transductive: it uses the test "
            "speaker's audio, as `ssaser enroll` does at inference). The selected epoch and weights are the same.", "",
            "| system | global UAR % | self UAR % | self − global (points, paired 95% CI) | folds |",
            "|---|---|---|---|---|", *rows, ""]


def attention_lines(models: Mapping[str, Mapping]) -> list[str]:
    """Mean over folds of each system's attention summary (:mod:`ssaser.evaluation.attention_stats`).

    Empty when the folds carry no ``attention`` entry (older runs).
    """
    rows = []
    for name, entry in models.items():
        stats = [f["attention"] for f in entry["folds"] if f.get("attention")]
        if not stats:
            continue
        mean = {k: fmean(s[k] for s in stats if k in s) for k in stats[0]}
        entropy = ", ".join(f"{k.split('/', 1)[1]} {v:.3f}" for k, v in mean.items() if k.startswith("entropy/"))
        share = f"{mean['speaker_share']:.3f}" if "speaker_share" in mean else ""
        rows.append(f"| {display_name(name)} | {entropy} | {share} | {mean.get('padding_weight', 0.0):.3f} |")
    if not rows:
        return []
    return ["## Attention (reported segments, mean over folds)", "",
            "Normalised entropy over the audio frames (1.000 = uniform, a mean pooling; lower = more selective), "
            "the weight SSA puts on its speaker half, and the weight put on zero padding.", "",
            "| system | normalised entropy | speaker half | on padding |", "|---|---|---|---|", *rows, ""]


def ci_text(d: Mapping) -> str:
    """``[low, high]`` in points of a :func:`~ssaser.evaluation.metrics.paired_difference` (a
    fraction), or ``""`` when it has no interval (one fold)."""
    if d.get("ci95") is None:
        return ""
    return f"[{_signed(100 * (d['mean'] - d['ci95']))}, {_signed(100 * (d['mean'] + d['ci95']))}]"


def paired_lines(models: Mapping[str, Mapping]) -> list[str]:
    """A table of UAR differences between each two systems on the folds both ran.

    Empty when fewer than two systems share two or more folds.
    """
    rows = []
    for d in paired_comparisons(models):
        base, cand = d["baseline"], d["candidate"]
        rows.append(f"| {display_name(cand)} − {display_name(base)} | {_signed(100 * d['mean'])} | {ci_text(d)} "
                    f"| {d['better']} / {d['worse']} / {d['tied']} | {d['wilcoxon_p']:.3g} | {len(d['folds'])} |")
    if not rows:
        return []
    return ["## Paired differences (UAR, same folds)", "",
            "| difference | mean (points) | 95% CI | folds better / worse / tied | Wilcoxon p | folds |",
            "|---|---|---|---|---|---|", *rows, "",
            "Each fold is one pair: the fold's own difficulty (which speaker or utterances are held out) "
            "cancels, so these intervals are narrower than the per-system ones above. A CI that excludes 0 "
            "is a difference these folds support; the p-values are not corrected for the several comparisons.",
            ""]


def ensemble_lines(results: Mapping) -> list[str]:
    """What an ensemble's results combine (:mod:`ssaser.evaluation.run_ensemble`); empty for a cv run."""
    ensemble = results.get("ensemble")
    if not ensemble:
        return []
    members = "; ".join(f"`{m['label']}` ({m['folder']})" for m in ensemble["members"])
    return [f"- **Ensemble**: {ensemble['combination']}, of {members}. Nothing was retrained; the members' "
            "rows are their own runs on the same folds. Members chosen by looking at these reported figures "
            "would make the ensemble's figure optimistic."]


def render_report(results: Mapping, drawn: set[str] | None = None) -> str:
    """Markdown text of the report for a ``results.json`` mapping (see ``ssaser.training.cv``).

    ``drawn``: the figure files that exist (None: link every figure); a partial run links only those.
    """
    models = results["models"]
    corpus = results.get("corpus", {})
    reported = results.get("reported_split", "validation")
    lines = [
        f"# Cross-validation report: {corpus.get('name', 'corpus')}",
        "",
        *([f"- **Partial**: {results['folds_completed']} of {results['folds']} folds finished (the first ones; "
            "rerunning the same command without `--max-folds` completes the others)."]
          if results.get("folds_completed", results["folds"]) < results["folds"] else []),
        f"- Protocol: `{results['protocol']}`, {results['folds']} folds"
        + (f" defined by `{results['folds_from']}`" if results.get("folds_from") else "")
        + (f", test fraction {results['test_fraction']}" if results.get("test_fraction")
           and results["protocol"] != "given" else ""),
        *([f"- Validation (model selection): {results['validation']}"] if results.get("validation") else []),
        *ensemble_lines(results),
        f"- Reported split: **{reported}**; model selection (best-UAR epoch) "
        + ("**saw** the reported data (the paper's protocol: optimistic)."
           if results.get("selection_saw_reported_data") else "never saw the reported data."),
        *(["- Speakers absent from training are normalised with **their own unlabelled audio** in the part "
            "scored (`unseen_speaker_norm: self`): transductive, the test speakers' audio is used."]
          if results.get("unseen_speaker_norm") == "self" else []),
        f"- Preset: `{results.get('preset')}`; utterances: {corpus.get('utterances')}, "
        f"speakers: {corpus.get('speakers')}, emotions: {', '.join(corpus.get('emotions', []))}",
        "- Metrics at utterance level (mean of segment posteriors); UAR = balanced accuracy.",
        "",
        "| system | UAR % | WA % | macro-F1 % | folds | best epoch (mean, from 1) | epochs run (mean) |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, entry in models.items():
        s = entry["summary"]
        folds = entry["folds"]
        # results.json keeps Lightning's 0-based epochs; an ensemble (nothing trained) has none
        best = [f["best_epoch"] + 1 for f in folds if f.get("best_epoch") is not None]
        ran = [f["epochs"] for f in folds if f.get("epochs") is not None]
        lines.append(
            f"| {display_name(name)} | {_pct(s['uar'])} | {_pct(s['wa'])} | {_pct(s['macro_f1'])} "
            f"| {len(folds)} | {f'{fmean(best):.1f}' if best else '—'} | {f'{fmean(ran):.1f}' if ran else '—'} |"
        )
    lines += ["", "Values are mean ± half-width of the 95% confidence interval (Student's t over folds)."]
    statement = ordering_statement(models)
    paired = paired_lines(models)
    if statement:
        lines += ["", statement + (" The paired differences below compare them fold by fold." if paired else "")]
    lines += ["", "## Per fold (UAR %, folds numbered from 1)", "", "| system | " + " | ".join(
        str(f["fold"] + 1) for f in next(iter(models.values()))["folds"]) + " |"]
    lines.append("|---|" + "---|" * len(next(iter(models.values()))["folds"]))
    for name, entry in models.items():
        lines.append(f"| {display_name(name)} | " + " | ".join(f"{100 * f['uar']:.1f}" for f in entry["folds"]) + " |")
    lines += ["", *paired, *speaker_lines(models), *normalisation_lines(models), *attention_lines(models), "## Figures", ""]
    figures = []
    for name in models:
        figures.append((f"confusion_{name}.png", f"Confusion matrix (percent of each true class, summed over folds), "
                        f"{display_name(name)}"))
        figures.append((f"tsne_{name}.png", f"t-SNE of emotion embeddings (fold 1), {display_name(name)}"))
    figures += [("attention.png", "Attention over time for one segment (Figure 3 of the paper)"),
                ("curves.png", "Training curves")]
    shown = [(file, text) for file, text in figures if drawn is None or file in drawn]
    lines += [f"- {text}: ![{Path(file).stem}]({file})" for file, text in shown]
    if len(shown) < len(figures) and results.get("folds_completed", results["folds"]) < results["folds"]:
        lines.append("- The other figures are drawn when the run finishes.")
    lines.append("")
    lines += ["## The paper's Table 1 (UAR %, for context; other corpora)", "",
              "| system | Att-HACK | IEMOCAP |", "|---|---|---|"]
    lines += [f"| {display_name(m)} | {get_system(m).paper_uar['Att-HACK']} | {get_system(m).paper_uar['IEMOCAP']} |"
              for m in paper_systems()]
    lines += ["", "## How the folds ran", "", *provenance_lines(models)]
    run = results.get("run", {})
    if run:
        lines += ["", "## Run", ""]
        lines += [f"- {key}: `{value}`" for key, value in run.items()]
    return "\n".join(lines) + "\n"


def write_report(results: Mapping, path: str | Path) -> Path:
    """Write :func:`render_report` to ``path`` and return it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    drawn = {p.name for p in path.parent.glob("*.png")}
    return atomic_write_text(path, render_report(results, drawn))
