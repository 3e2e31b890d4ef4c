"""One emotion vocabulary across corpora: canonical names, aliases, and class selection.

Corpora name the same emotion differently (RAVDESS ``angry``, EmoDB ``anger`` from its letter
``W``, IEMOCAP ``ang``). :func:`canonical_emotion` maps every known spelling onto one name of
:data:`CANONICAL_EMOTIONS`, so that manifests of several corpora train together; a label it does
not know is kept, lower-cased, as it is (a user's own classes still work).

:func:`parse_emotion_selection` reads ``--emotions``: a comma-separated list of classes to keep,
each either a name (``anger``) or a merge (``happiness=happiness+excitement``); ``common`` keeps
the classes that every given manifest has. Rows of any other class are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

from ssaser.errors import ManifestError

#: The canonical names (Ekman's six, the circumplex's calm, and the classes of the acted corpora).
CANONICAL_EMOTIONS: tuple[str, ...] = (
    "anger", "boredom", "calm", "contempt", "disgust", "excitement", "fear", "frustration",
    "happiness", "neutral", "sadness", "surprise",
)

#: Spellings found in corpora and toolkits -> canonical name (compared lower-cased). Single
#: letters are left out on purpose: EmoDB's ``A`` is Angst (fear), not anger; its preparer maps them.
EMOTION_ALIASES: Mapping[str, str] = {
    "angry": "anger", "ang": "anger", "mad": "anger",
    "bored": "boredom", "bor": "boredom",
    "cal": "calm",
    "con": "contempt",
    "disgusted": "disgust", "dis": "disgust",
    "excited": "excitement", "exc": "excitement",
    "fearful": "fear", "afraid": "fear", "fea": "fear", "fearfulness": "fear",
    "frustrated": "frustration", "fru": "frustration",
    "happy": "happiness", "hap": "happiness", "joy": "happiness", "joyful": "happiness",
    "neu": "neutral", "neutrality": "neutral",
    "sad": "sadness", "sorrow": "sadness",
    "surprised": "surprise", "sur": "surprise", "surprize": "surprise",
}

#: The ``--emotions`` keyword for the classes every manifest shares.
COMMON = "common"


def canonical_emotion(label: str) -> str:
    """The canonical name of an emotion label (unknown labels: lower-cased, stripped).

    >>> canonical_emotion("Angry"), canonical_emotion("hap"), canonical_emotion("awe")
    ('anger', 'happiness', 'awe')
    """
    key = str(label).strip().lower()
    return EMOTION_ALIASES.get(key, key)


@dataclass(frozen=True)
class EmotionSelection:
    """Which classes to keep and what each is made of.

    Attributes
    ----------
    classes : mapping of str to tuple of str
        Output class -> the canonical labels it takes (``{"happiness": ("happiness", "excitement")}``).
    common : bool
        Keep only the classes that every manifest has (``--emotions common``), after ``classes``.
    """

    classes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    common: bool = False

    def to_text(self) -> str:
        """The ``--emotions`` text that reads back as this selection."""
        items = [name if members == (name,) else f"{name}={'+'.join(members)}" for name, members in self.classes.items()]
        return ",".join(([COMMON] if self.common else []) + items)

    def mapping(self) -> dict[str, str]:
        """Canonical label -> output class, for the labels this selection takes."""
        return {member: name for name, members in self.classes.items() for member in members}


def parse_emotion_selection(text: str | None) -> EmotionSelection | None:
    """Read ``--emotions`` (None or empty: no selection).

    Raises
    ------
    ManifestError
        An empty item, a merge without members, or a label taken by two classes.
    """
    if text is None or not str(text).strip():
        return None
    classes: dict[str, tuple[str, ...]] = {}
    common = False
    taken: dict[str, str] = {}
    for item in str(text).split(","):
        item = item.strip()
        if not item:
            raise ManifestError(f"--emotions {text!r}: an empty item (write e.g. anger,happiness,sadness)")
        if item.lower() == COMMON:
            common = True
            continue
        name, equals, members_text = item.partition("=")
        name = canonical_emotion(name)
        members = tuple(dict.fromkeys(canonical_emotion(m) for m in members_text.split("+"))) if equals \
            else (name,)
        if not name or any(not m for m in members):
            raise ManifestError(f"--emotions {text!r}: {item!r} is not NAME or NAME=LABEL+LABEL")
        for member in members:
            if member in taken and taken[member] != name:
                raise ManifestError(f"--emotions {text!r}: {member!r} is taken by both {taken[member]!r} and {name!r}")
            taken[member] = name
        classes[name] = tuple(dict.fromkeys(classes.get(name, ()) + members))
    return EmotionSelection(classes, common)


def select_emotions(labels_per_source: Sequence[Iterable[str]], selection: EmotionSelection | None,
                    ) -> tuple[dict[str, str], list[str]]:
    """Which canonical labels map to which class, given every source's labels.

    Parameters
    ----------
    labels_per_source : sequence of iterables of str
        The canonical labels found in each manifest.
    selection : EmotionSelection or None
        None keeps every label as its own class.

    Returns
    -------
    mapping : dict
        Canonical label -> kept class; labels absent from it are dropped.
    classes : list of str
        The kept classes, sorted.

    Raises
    ------
    ManifestError
        A selected class that no manifest has, or fewer than two classes left.
    """
    sources = [set(labels) for labels in labels_per_source]
    everything = set().union(*sources)
    if selection is None or not selection.classes:
        mapping = {label: label for label in everything}
    else:
        mapping = selection.mapping()
        missing = sorted(m for m in mapping if m not in everything)
        if missing:
            raise ManifestError(f"--emotions: no manifest has {', '.join(missing)} (found: {', '.join(sorted(everything))})")
    if selection is not None and selection.common:
        per_source = [{mapping[label] for label in labels if label in mapping} for labels in sources]
        shared = set.intersection(*per_source) if per_source else set()
        mapping = {label: cls for label, cls in mapping.items() if cls in shared}
    classes = sorted(set(mapping.values()))
    if len(classes) < 2:
        raise ManifestError(f"--emotions leaves {len(classes)} class(es) ({', '.join(classes) or 'none'}); "
                            "a classifier needs at least two")
    return mapping, classes
