"""Many files at once: decoding ahead in threads, windows batched across files
(``ssaser predict MODEL DIR_OR_MANIFEST``, ``ssaser evaluate``).

Files are taken in chunks; while one chunk runs through the model, the next is decoded by a
thread pool (libsndfile and soxr release the GIL). Short files are decoded whole; a file longer
than :data:`WHOLE_SECONDS` is left to the recognizer's block-by-block reader, so memory is that
of a few chunks whatever the number or length of the files.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Sequence

from ssaser.audio import load_audio, probe_audio
from ssaser.errors import SsaserError
from ssaser.inference.recognizer import Recognizer
from ssaser.inference.results import Prediction

#: Files per model call: their windows are batched together.
CHUNK_FILES = 32
#: Files at most this long are decoded whole, ahead of the model; longer ones stream.
WHOLE_SECONDS = 60.0


@dataclass(frozen=True)
class FileResult:
    """One file's prediction, or the one-line error that kept it from one."""

    path: Path
    prediction: Prediction | None
    error: str | None = None


def _decode(path: Path, sample_rate: int):
    """``(wave, rate)`` for a short file, the path itself for a long one, or the error text."""
    try:
        info = probe_audio(path)
        if info.seconds > WHOLE_SECONDS:
            return path
        return load_audio(path, sample_rate), sample_rate
    except SsaserError as exc:
        return exc


def classify_files(recognizer: Recognizer, paths: Sequence[str | Path], *, threads: int = 2,
                   chunk: int = CHUNK_FILES, progress: Callable[[int], object] | None = None) -> Iterator[FileResult]:
    """Classify many files, in input order, decoding the next chunk while the model runs.

    Parameters
    ----------
    recognizer : Recognizer
    paths : sequence of path
        Audio files.
    threads : int
        Decoding threads.
    chunk : int
        Files per model call.
    progress : callable, optional
        Called with the number of files done after each chunk.
    """
    paths = [Path(p) for p in paths]
    rate = recognizer.sample_rate
    chunks = [paths[i:i + chunk] for i in range(0, len(paths), chunk)]
    with ThreadPoolExecutor(max(1, threads)) as pool:
        def submit(files):
            return [pool.submit(_decode, p, rate) for p in files]

        ahead = submit(chunks[0]) if chunks else []
        for k, files in enumerate(chunks):
            decoded = [f.result() for f in ahead]
            ahead = submit(chunks[k + 1]) if k + 1 < len(chunks) else []
            good = [(p, d) for p, d in zip(files, decoded) if not isinstance(d, SsaserError)]
            results: dict[Path, FileResult] = {p: FileResult(p, None, str(d)) for p, d in zip(files, decoded)
                                               if isinstance(d, SsaserError)}
            try:
                predictions = recognizer.classify_batch([d for _, d in good], sources=[str(p) for p, _ in good])
                results.update({p: FileResult(p, pred) for (p, _), pred in zip(good, predictions)})
            except SsaserError:  # a long file failing while streaming: find it file by file
                for p, d in good:
                    try:
                        results[p] = FileResult(p, recognizer.classify_batch([d], sources=[str(p)])[0])
                    except SsaserError as exc:
                        results[p] = FileResult(p, None, str(exc))
            yield from (results[p] for p in files)
            if progress is not None:
                progress(len(files))
