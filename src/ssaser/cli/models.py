"""``ssaser models``: the models bundled with the package, usable by name wherever a model
directory is accepted (``ssaser predict --model NAME``, ``Recognizer.from_pretrained(NAME)``)."""

from __future__ import annotations

import argparse
import json


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "models",
        help="list the bundled models (usable by name: ssaser predict --model NAME file.wav)",
        description="List the models bundled with the package: name, system, classes, size, licence of "
        "the weights and cross-validated accuracy. Each has a MODEL_CARD.md beside its weights.",
    )
    parser.add_argument("--json", action="store_true", help="print JSON (name, path, card) instead of text")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ssaser.models.pretrained import CARD_NAME, bundled_models

    models = bundled_models()
    if args.json:
        print(json.dumps([{"name": m.name, "path": str(m.path), "card": m.card} for m in models], indent=2))
        return 0
    if not models:
        print("no model is bundled with this installation")
        return 0
    for m in models:
        card = m.card
        print(f"{m.name}  ({card.get('system', '?')}, {card.get('preset', '?')} preset, {m.megabytes:.1f} MB)")
        for key, label in (("summary", ""), ("emotions", "classes: "), ("accuracy", "accuracy: "),
                           ("licence", "weights licence: ")):
            value = card.get(key)
            if value:
                text = ", ".join(value) if isinstance(value, list) else value
                print(f"  {label}{text}")
        print(f"  card: {m.path / CARD_NAME}")
    return 0
