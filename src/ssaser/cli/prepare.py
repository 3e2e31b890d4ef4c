"""``ssaser prepare CORPUS ROOT --out MANIFEST.csv``: a corpus folder -> a manifest."""

from __future__ import annotations

import argparse

#: Kept here (not imported from ssaser.data.corpora) so that ``ssaser --help`` stays instant.
CORPORA = ("emodb", "ravdess", "iemocap", "atthack", "cremad")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "prepare",
        help="write the manifest CSV of a corpus (emodb, ravdess, iemocap, atthack, cremad)",
        description="Scan a corpus folder, write its manifest CSV (file, speaker, emotion, phrase, "
        "session, gender, duration) and print counts and what was skipped, with reasons.",
    )
    parser.add_argument("corpus", choices=CORPORA, help="which corpus layout ROOT holds")
    parser.add_argument("root", help="the corpus folder")
    parser.add_argument("--out", required=True, help="manifest CSV to write")
    iemocap = parser.add_argument_group("IEMOCAP")
    iemocap.add_argument("--merge-excited", action="store_true", default=None,
                         help="label 'exc' (excited) as happy")
    iemocap.add_argument("--include-scripted", action="store_true", default=None,
                         help="keep scripted dialogues too (default: improvised only, as the paper)")
    atthack = parser.add_argument_group("Att-HACK")
    atthack.add_argument("--attitude-map", metavar="a1=NAME,...",
                         help="override the (unverified) default a1=friendly,a2=distant,a3=dominant,a4=seductive")
    parser.add_argument("--no-duration", dest="with_duration", action="store_false", default=None,
                        help="do not read durations from the file headers")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ssaser.data.corpora import prepare_corpus
    from ssaser.data.manifest import write_manifest

    # Only the options the user gave are passed, so that one meant for another corpus is an error.
    options = {
        key: getattr(args, key)
        for key in ("merge_excited", "include_scripted", "attitude_map", "with_duration")
        if getattr(args, key) is not None
    }
    prepared = prepare_corpus(args.corpus, args.root, **options)
    path = write_manifest(prepared.manifest, args.out)
    print(prepared.summary())
    print(f"wrote {path} ({len(prepared.manifest)} rows)")
    return 0
