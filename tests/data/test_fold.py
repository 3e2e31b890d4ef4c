"""One fold's record: its one-line description and its JSON summary, built by hand."""

from __future__ import annotations

import json

import numpy as np

from ssaser.data.fold import EMPTY_PART, Fold


def positions(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.int64)


def test_a_fold_without_test_part_says_selection_and_report_share_validation():
    fold = Fold("sd-random", 0, 10, positions(0, 2, 3), positions(1))
    assert fold.test is EMPTY_PART and fold.test.size == 0 and not fold.has_test
    line = fold.describe()
    assert line.startswith("sd-random fold 1/10: train 3, val 1;")
    assert "optimistic" in line and "speaker" not in line


def test_many_held_out_speakers_are_shortened_and_counted():
    names = tuple(f"a{i:02d}" for i in range(6))
    fold = Fold("given", 2, 6, positions(0, 1), positions(2), positions(3, 4, 5), True, (), names)
    line = fold.describe()
    assert "test 3 (speakers a00, a01, a02, a03, ... (6))" in line
    assert line.endswith("selection never saw the test part")
    one = Fold("loso", 0, 4, positions(0), positions(1), positions(2), True, (), ("a07",))
    assert "(speaker a07)" in one.describe()


def test_to_dict_is_json_with_sizes_not_positions():
    fold = Fold("sd-phrase", 1, 5, positions(0, 1, 4), positions(2), positions(3), True, ("p1",), ("p9",))
    summary = json.loads(json.dumps(fold.to_dict()))
    assert summary == {"protocol": "sd-phrase", "fold": 1, "n_folds": 5, "train": 3, "val": 1, "test": 1,
                       "has_test": True, "val_groups": ["p1"], "test_groups": ["p9"]}
