"""Add each utterance's speaker to the ``outputs.npz`` of cv runs written before ssaser saved it.

``ssaser ensemble`` breaks its score down per speaker from ``speakers`` in each fold's
``outputs.npz``; runs older than that key lack it. For a ``given``-folds run, the reported rows
are the manifest's rows of the fold's test speakers in manifest order (``ssaser.data.splits``),
so the speakers can be recovered; the script checks that the recovered rows carry the saved
labels, and refuses the fold otherwise.

    python benchmarks/backfill_speakers.py RUN --manifest manifests/ravdess.csv
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from ssaser.data.manifest import read_manifest


def backfill(run: Path, manifest: Path) -> int:
    results = json.loads((run / "results.json").read_text())
    if results["protocol"] != "given":
        raise SystemExit(f"{run}: protocol {results['protocol']!r}; only given folds can be recovered")
    df = read_manifest(manifest, check_files=False)
    speaker = df["speaker"].astype(str).to_numpy()
    emotion_index = {e: i for i, e in enumerate(results["corpus"]["emotions"])}
    labels_all = np.array([emotion_index.get(e, -1) for e in df["emotion"]])
    written = 0
    for system in results["models"]:
        for path in sorted((run / system).glob("fold_*/outputs.npz")):
            entry = json.loads((path.parent / "result.json").read_text())
            rows = np.flatnonzero(np.isin(speaker, entry["split"]["test_groups"]))
            with np.load(path, allow_pickle=False) as data:
                arrays = {k: data[k] for k in data.files}
            if not np.array_equal(labels_all[rows], arrays["labels"]):
                raise SystemExit(f"{path}: the recovered rows do not carry the saved labels; left as it is")
            if "speakers" in arrays:
                continue
            arrays["speakers"] = speaker[rows].astype(str)
            tmp = path.with_name("outputs.tmp.npz")
            np.savez_compressed(tmp, **arrays)
            tmp.replace(path)
            written += 1
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path, help="ssaser cv output folders (given folds)")
    parser.add_argument("--manifest", required=True, type=Path, help="the manifest the runs read")
    args = parser.parse_args()
    for run in args.runs:
        print(f"{run}: speakers added to {backfill(run, args.manifest)} outputs.npz")


if __name__ == "__main__":
    main()
