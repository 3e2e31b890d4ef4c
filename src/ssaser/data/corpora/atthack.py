"""Att-HACK (Le Moine & Obin, 2020): ``F01_a1_s001_v01.wav`` anywhere under the root.

Fields: speaker (``F01``: gender letter and number), attitude ``a1``..``a4``, sentence
``s001`` (the phrase, the unit of the paper's linguistic split), version ``v01``.

The attitude codes' names are NOT verified from a primary source here: the default
table (:data:`DEFAULT_ATTITUDES`) follows the order in which the paper and the corpus
paper list the attitudes (friendly, distant, dominant, seductive). Check it against your
copy's documentation and override it where it differs, e.g.
``--attitude-map a1=friendly,a2=seductive,a3=dominant,a4=distant``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Mapping

from ssaser.data.corpora.base import (
    FEMALE, MALE, PreparedCorpus, find_audio,
    finalize, match_names, require_dir,
)
from ssaser.errors import ManifestError

#: Attitude code -> label. Unverified (see the module docstring): overridable.
DEFAULT_ATTITUDES: dict[str, str] = {"a1": "friendly", "a2": "distant", "a3": "dominant", "a4": "seductive"}

_NAME = re.compile(r"^(?P<speaker>(?P<gender>[FM])\d+)_(?P<attitude>a\d+)_(?P<sentence>s\d+)_(?P<version>v\d+)$")
_CODE = re.compile(r"^a\d+$")


def parse_attitude_map(text: str | Mapping[str, str] | None) -> dict[str, str]:
    """The attitude table: defaults updated with ``"a1=friendly,a2=distant"`` or a mapping."""
    table = dict(DEFAULT_ATTITUDES)
    if not text:
        return table
    pairs = text.items() if isinstance(text, Mapping) else (
        item.split("=", 1) if "=" in item else (item, "") for item in str(text).split(",") if item.strip()
    )
    for code, label in pairs:
        code, label = code.strip(), label.strip()
        if not _CODE.match(code) or not label:
            raise ManifestError(f"bad attitude mapping {code}={label!r}: expected CODE=LABEL such as a1=friendly")
        table[code] = label
    return table


def prepare_atthack(
    root: Path,
    attitude_map: str | Mapping[str, str] | None = None,
    with_duration: bool = True,
) -> PreparedCorpus:
    """Manifest of Att-HACK under ``root``.

    Columns: file, speaker, emotion (the attitude name), phrase (``s001``), gender,
    version, duration. ``attitude_map`` overrides :data:`DEFAULT_ATTITUDES` entries.
    """
    root = require_dir(Path(root), "the Att-HACK folder holding F01_a1_s001_v01.wav files")
    table = parse_attitude_map(attitude_map)
    rows, skipped = [], []
    for path, match in match_names(find_audio(root), _NAME, "SPEAKER_aN_sNNN_vNN", skipped):
        if match["attitude"] not in table:
            skipped.append((str(path), f"attitude {match['attitude']} not in the attitude map"))
            continue
        rows.append({
            "file": path, "speaker": match["speaker"], "emotion": table[match["attitude"]],
            "phrase": match["sentence"], "gender": FEMALE if match["gender"] == "F" else MALE,
            "version": match["version"],
        })
    return finalize("atthack", rows, skipped, table.values(), root, with_duration)
