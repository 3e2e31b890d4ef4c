"""3-D log-Mel front end (static, delta, delta-delta), segmentation, normalisation, cache."""

from ssaser.features.cache import FeatureCache
from ssaser.features.config import FeatureConfig, FeatureConfigError
from ssaser.features.logmel import LogMel3D, compute_features, compute_features_batch
from ssaser.features.normalize import SpeakerNormalizer
from ssaser.features.segment import segment_features

__all__ = [
    "FeatureCache",
    "FeatureConfig",
    "FeatureConfigError",
    "LogMel3D",
    "SpeakerNormalizer",
    "compute_features",
    "compute_features_batch",
    "segment_features",
]
