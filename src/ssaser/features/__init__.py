"""Front ends (the 3-D log-Mel: static, delta, delta-delta, and the registry of others),
segmentation, normalisation, cache.

Names are imported on first use (PEP 562): the configs and the front-end registry load no
torch, so the command line reads them instantly.
"""

from __future__ import annotations

from ssaser.lazy_imports import lazy_getattr

_EXPORTS = {
    "FeatureCache": "cache", "FeatureConfig": "config", "FeatureConfigError": "config",
    "FrontEndSpec": "frontends", "get_frontend": "frontends", "register_frontend": "frontends",
    "frontend_names": "frontends", "DEFAULT_FRONTEND": "frontends",
    "LogMel3D": "logmel", "compute_features": "logmel", "compute_features_batch": "logmel",
    "SpeakerNormalizer": "normalize", "segment_features": "segment",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_getattr(__name__, _EXPORTS)
