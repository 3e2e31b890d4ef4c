"""score_jobs: windows of many streams share full batches, ends keep their order, memory stays bounded."""

from __future__ import annotations

import numpy as np

from ssaser.inference.backends import score_jobs
from ssaser.inference.windows import StreamEnd, WindowJob, iter_window_jobs
from random_models import generated_voice


class RecordingBackend:
    """Logits from the span's first sample, so every job's result can be checked; records batch sizes."""

    name = "recording"

    def __init__(self) -> None:
        self.batches: list[int] = []

    def run(self, waves, offsets, valid, mean, std):
        self.batches.append(len(waves))
        return np.stack([waves[:, 0], -waves[:, 0]], axis=1)


def stream_items(recognizer, seconds: list[float]):
    config = recognizer.feature_config
    for key, length in enumerate(seconds):
        yield from iter_window_jobs([generated_voice(length, seed=key)], config, [config.segment_frames],
                                    key=key, context=recognizer.context_frames)


def test_windows_of_many_short_files_fill_whole_batches(recognizer):
    # 3.2-3.9 s files: two windows each, the second an edge window of its own length before
    # spans were widened, which cut every file's windows into batches of one.
    lengths = [3.2 + 0.05 * k for k in range(14)]
    backend = RecordingBackend()
    out = list(score_jobs(stream_items(recognizer, lengths), backend, np.zeros((3, 40)), np.ones((3, 40)),
                          batch_size=8))
    jobs = [item for item in out if not isinstance(item, StreamEnd)]
    assert len(jobs) == 28 and len({job.key for job, _ in jobs}) == 14
    assert backend.batches == [8, 8, 8, 4]  # one span length for all: full batches across files
    ends = [item.key for item in out if isinstance(item, StreamEnd)]
    assert ends == list(range(14))  # in input order
    seen: set = set()
    for item in out:  # a stream's end comes after every one of its jobs
        if isinstance(item, StreamEnd):
            seen.add(item.key)
        else:
            assert item[0].key not in seen


def test_every_span_has_one_length_where_the_audio_allows(recognizer):
    config = recognizer.feature_config
    items = list(iter_window_jobs([generated_voice(7.3, seed=1)], config, [300, 70],
                                  context=recognizer.context_frames))
    jobs = [job for job in items if isinstance(job, WindowJob)]
    full = config.segment_frames + 2 * recognizer.context_frames
    assert {job.wave.size for job in jobs} == {(full - 1) * config.hop_length + config.win_length}
    # Audio shorter than one span: the span is all of its frames.
    short = list(iter_window_jobs([generated_voice(1.0, seed=2)], config, [300], context=recognizer.context_frames))
    frames = short[1].total_frames
    assert short[0].wave.size == (frames - 1) * config.hop_length + config.win_length
    assert short[0].offset == 0 and short[0].valid == frames


def test_unscored_jobs_stay_bounded_when_every_span_differs(recognizer):
    # Audio shorter than a span: every stream has a length of its own, so no group fills up.
    lengths = [0.5 + 0.1 * k for k in range(20)]
    pulled = 0

    def counted():
        nonlocal pulled
        for item in stream_items(recognizer, lengths):
            pulled += isinstance(item, WindowJob)
            yield item

    scored = 0
    for item in score_jobs(counted(), RecordingBackend(), np.zeros((3, 40)), np.ones((3, 40)), batch_size=3):
        if not isinstance(item, StreamEnd):
            scored += 1
            assert pulled - scored <= 2 * 3
    assert scored == 20
