"""The system registry: one entry per trainable system, read by everything that names systems.

The CLI's ``--model`` choices, the report's names, order and paper figures, the inference graph
(whether to return speaker logits), ``describe``, the training checks (a speaker branch needs
two training speakers) and the packaged configuration all come from here. Adding a system is
one module with a builder plus one :func:`register_system` call (docs: "Extending").

Importing this module loads no torch: builders are named as ``"module:function"`` and imported
when a system is first built, so the command line can list systems instantly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from ssaser.models.config import ModelConfigError
from ssaser.registries import Ref, Registry, resolve_ref

#: ``build(model_config, n_emotions, n_speakers) -> nn.Module`` whose ``forward(features)``
#: returns a :class:`ssaser.models.systems.SystemOutput`; or its ``"module:function"`` path.
Builder = Ref


class UnknownSystemError(ModelConfigError):
    """A system name that is not registered."""


@dataclass(frozen=True)
class SystemSpec:
    """Everything the package needs to know about one system.

    Attributes
    ----------
    name : str
        The identifier used on the command line and in files (``ssa-crnn-r``).
    display : str
        Its name in reports and figures (``SSA-CRNN-r``).
    builder : str or callable
        ``build(model_config, n_emotions, n_speakers)``; a string is imported on first use.
    speaker_branch : bool
        Whether it has a speaker classifier (needs speaker labels and at least two training
        speakers; its speaker logits are part of the inference graph's outputs).
    config : str
        The packaged training configuration (``ssaser/configs/<config>``).
    description : str
        One line for ``--help`` and the docs.
    paper_uar : mapping of str to str
        UAR of the paper's Table 1 by corpus, shown beside a run's figures (empty for systems
        the paper does not have).
    """

    name: str
    display: str
    builder: Builder
    speaker_branch: bool = False
    config: str = "default.yaml"
    description: str = ""
    paper_uar: Mapping[str, str] = field(default_factory=dict)

    def build(self, model_config: Any, n_emotions: int, n_speakers: int | None) -> Any:
        """Build the system's network (``torch.nn.Module``)."""
        return resolve_ref(self.builder)(model_config, n_emotions, n_speakers)


_SYSTEMS: Registry[SystemSpec] = Registry("system", UnknownSystemError)


def register_system(spec: SystemSpec, replace: bool = False) -> SystemSpec:
    """Add a system (``replace=True`` to redefine one); returns ``spec``."""
    return _SYSTEMS.register(spec.name, spec, replace)


def unregister_system(name: str) -> None:
    """Remove a system (tests register toy systems and remove them)."""
    _SYSTEMS.unregister(name)


def get_system(name: str) -> SystemSpec:
    """The registered system ``name``, or :class:`UnknownSystemError` listing the known ones."""
    return _SYSTEMS.get(name)


def system_names() -> tuple[str, ...]:
    """Registered systems, in registration order (the paper's three first)."""
    return _SYSTEMS.names()


def display_name(name: str) -> str:
    """The report name of ``name`` (the name itself for an unregistered one, e.g. an old run)."""
    return _SYSTEMS.get(name).display if name in _SYSTEMS else name


# The paper's Table 1 systems, in its order. Figures: UAR % (mean ± std over its folds).
register_system(SystemSpec(
    "acrnn", "ACRNN", "ssaser.models.systems:build_acrnn",
    description="CRNN + self-attention pooling, plain softmax classifier (Chen et al. 2018)",
    paper_uar={"IEMOCAP": "63.86 ± 2.23", "Att-HACK": "36.97 ± 2.01"},
))
register_system(SystemSpec(
    "acrnn-r", "ACRNN-r", "ssaser.models.systems:build_acrnn_r",
    description="ACRNN with the class-collapse constraint on the classification layer (eq. 8)",
    paper_uar={"IEMOCAP": "68.26 ± 2.57", "Att-HACK": "67.15 ± 9.10"},
))
register_system(SystemSpec(
    "ssa-crnn-r", "SSA-CRNN-r", "ssaser.models.systems:build_ssa_crnn_r", speaker_branch=True,
    description="speaker ACRNN + emotion CRNN joined by Self Speaker Attention, constrained classifier, "
    "joint loss",
    paper_uar={"IEMOCAP": "77.22 ± 4.27", "Att-HACK": "70.25 ± 4.36"},
))
