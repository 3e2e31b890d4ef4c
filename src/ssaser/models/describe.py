"""Size and cost of a system: parameter count and forward FLOPs per segment.

FLOPs are counted with ``torch.utils.flop_counter.FlopCounterMode`` on one forward pass of one
segment ``(1, 3, segment_frames, n_mels)`` in evaluation mode. That counter knows matrix
products and convolutions (2 FLOPs per multiply-add) and nothing else: it counts **zero** for
``nn.LSTM`` (no formula for the fused LSTM op in torch 2.13), and it ignores element-wise work
(BatchNorm, activations, softmax, pooling). The BLSTM's matrix products are therefore added
analytically (``2 * 4H(I + H)`` per step and direction) and reported apart.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from ssaser.models.config import ModelConfig, get_preset
from ssaser.models.registry import get_system
from ssaser.models.systems import build_system


def lstm_flops(model: nn.Module, steps: int) -> int:
    """Matrix-product FLOPs of every ``nn.LSTM`` in ``model`` over ``steps`` time steps (batch 1)."""
    total = 0
    for module in model.modules():
        if isinstance(module, nn.LSTM):
            directions = 2 if module.bidirectional else 1
            hidden, inputs = module.hidden_size, module.input_size
            for layer in range(module.num_layers):
                layer_in = inputs if layer == 0 else hidden * directions
                total += 2 * 4 * hidden * (layer_in + hidden) * steps * directions
    return total


def count_flops(model: nn.Module, config: ModelConfig) -> dict[str, int]:
    """FLOPs of one forward pass of one segment.

    Returns
    -------
    dict
        ``counted`` (FlopCounterMode: convs and matmuls), ``lstm`` (analytic), ``total``.
    """
    was_training = model.training
    model.eval()
    segment = torch.zeros(1, config.in_channels, config.segment_frames, config.n_mels)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(segment)
    model.train(was_training)
    counted = int(counter.get_total_flops())
    lstm = lstm_flops(model, config.frames_after_pool)
    return {"counted": counted, "lstm": lstm, "total": counted + lstm}


def describe_system(
    name: str, preset: str = "lite", n_emotions: int = 4, n_speakers: int = 10, **overrides: Any
) -> dict[str, Any]:
    """Parameter count and GFLOP per segment of a freshly built system (JSON-able dict)."""
    config = get_preset(preset, **overrides)
    model = build_system(name, config, n_emotions, n_speakers)
    flops = count_flops(model, config)
    return {
        "system": name,
        "preset": preset,
        "n_emotions": n_emotions,
        "n_speakers": n_speakers if get_system(name).speaker_branch else None,
        "parameters": sum(p.numel() for p in model.parameters()),
        "segment_seconds": config.segment_frames / 100.0,
        "gflop_per_segment": round(flops["total"] / 1e9, 3),
        "gflop_counted_by_flop_counter": round(flops["counted"] / 1e9, 3),
        "gflop_lstm_analytic": round(flops["lstm"] / 1e9, 3),
        "flop_note": "FlopCounterMode counts conv and matmul FLOPs (2 per multiply-add) and 0 for "
        "nn.LSTM; the BLSTM is added analytically; element-wise ops are not counted",
        "model_config": config.to_dict(),
    }
