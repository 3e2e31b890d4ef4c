"""How a trained model's attention spreads over real segments (a diagnostic, not a timing).

Loads a model directory (or a bundled model's name), cuts every ``--every``-th utterance of a
manifest into segments as training does (normalised with the model's own statistics; a speaker
it does not know gets the global ones), and prints
:func:`ssaser.evaluation.attention_stats.attention_summary`: the normalised entropy of each
attention output over the audio frames (1 = uniform), SSA's speaker-half weight, and the weight
on zero padding. ``ssaser cv`` records the same per fold (``attention`` in result.json).

    python benchmarks/attention_spread.py ravdess-emodb2s-ssa-lite manifests/ravdess.csv \
        --emotions common --speaker-prefix ravdess/
"""

from __future__ import annotations

import argparse

import torch

from ssaser.evaluation.attention_stats import attention_summary
from ssaser.models import load_model_dir
from ssaser.models.pretrained import resolve_model
from ssaser.training.data import build_segment_set
from ssaser.training.corpus_data import load_corpus
from ssaser.training.fit import predict_segments


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="model directory or bundled model name")
    parser.add_argument("manifest")
    parser.add_argument("--emotions", default=None, help="as ssaser train --emotions")
    parser.add_argument("--every", type=int, default=6, help="every n-th utterance (default 6)")
    parser.add_argument("--speaker-prefix", default="", help="prefix of the model's speaker names (several corpora)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    model = load_model_dir(resolve_model(args.model))
    corpus = load_corpus(args.manifest, model.feature_config, progress=False, emotions=args.emotions)
    rows = list(range(0, len(corpus.df), args.every))
    speakers = [args.speaker_prefix + s for s in corpus.df["speaker"].astype(str).to_numpy()[rows]]
    known = sum(s in model.speakers for s in speakers)
    data = build_segment_set([corpus.features[i] for i in rows], speakers, corpus.labels[rows], model.normalizer,
                             {s: i for i, s in enumerate(model.speakers)}, model.feature_config.segment_frames)
    with torch.no_grad():
        out = predict_segments(model.system, data)
    weights = {k.split("/", 1)[1]: v for k, v in out.items() if k.startswith("attention/")}
    print(f"{args.model}: {len(rows)} utterances of {args.manifest} ({known} of speakers it was trained on), "
          f"{len(data)} segments, attention_mask={model.system.config.attention_mask}")
    for key, value in attention_summary(weights, data.segments).items():
        print(f"  {key}: {value:.3f}")


if __name__ == "__main__":
    main()
