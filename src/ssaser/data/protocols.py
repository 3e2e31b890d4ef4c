"""Names of the cross-validation protocols (standard library only: the CLI lists them instantly).

The folds themselves are made by :func:`ssaser.data.splits.make_folds`.
"""

from __future__ import annotations

PROTOCOLS: dict[str, str] = {
    "sd-random": "speaker-dependent, k random 80/20 splits (paper, IEMOCAP)",
    "sd-phrase": "speaker-dependent, phrase-disjoint 80/20 splits over k phrase groups (paper, Att-HACK)",
    "loso": "speaker-independent, leave one speaker (group) out",
    "given": "the manifest's 'fold' column (or --folds-from) names each fold's test part; validation from the rest",
}
