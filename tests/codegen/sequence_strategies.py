"""Hypothesis strategies for layers on sequences (L, E) of valid specs: recurrent, attention,
Transformer, position embedding, norms; and cross-attention and decoder merges.

As in `layer_strategies.py`, each returns (type, params, output shape); with `keep` the
layer must not change the shape.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from layer_strategies import _activation


def _divisor(draw: Any, n: int) -> int:
    return draw(st.sampled_from([d for d in range(1, min(n, 8) + 1) if n % d == 0]))


def _recurrent(draw: Any, shape: tuple[int, ...], keep: bool) -> tuple[str, dict, tuple]:
    length, width = shape
    type_ = draw(st.sampled_from(["RNN", "LSTM", "GRU"]))
    layers = draw(st.integers(1, 2))
    bidirectional = draw(st.booleans()) and (not keep or width % 2 == 0)
    hidden = (width // 2 if bidirectional else width) if keep else draw(st.integers(1, 8))
    params: dict[str, Any] = {"hidden_size": hidden}
    if layers > 1:
        params["num_layers"] = layers
        if draw(st.booleans()):
            params["dropout"] = draw(st.floats(0.0, 0.5))
    if bidirectional:
        params["bidirectional"] = True
    if type_ == "RNN" and draw(st.booleans()):
        params["nonlinearity"] = draw(st.sampled_from(["tanh", "relu"]))
    if draw(st.integers(0, 3)) == 0:
        params["bias"] = False
    return type_, params, (length, hidden * (2 if bidirectional else 1))


def _attention(draw: Any, shape: tuple[int, ...]) -> tuple[str, dict, tuple]:
    params: dict[str, Any] = {"num_heads": _divisor(draw, shape[1])}
    for name in ("causal", "bias", "add_bias_kv", "add_zero_attn"):
        if draw(st.integers(0, 2)) == 0:
            params[name] = draw(st.booleans())
    if draw(st.integers(0, 2)) == 0:  # GPT's attention: always causal, no other options
        kept = {k: v for k, v in params.items() if k in ("num_heads", "bias")}
        return "CausalSelfAttention", kept, shape
    return "MultiheadAttention", params, shape


def _encoder_layer(draw: Any, shape: tuple[int, ...]) -> tuple[str, dict, tuple]:
    params: dict[str, Any] = {
        "nhead": _divisor(draw, shape[1]),
        "dim_feedforward": draw(st.integers(1, 16)),
    }
    for name, values in (
        ("norm_first", st.booleans()),
        ("causal", st.booleans()),
        ("activation", st.sampled_from(["relu", "gelu"])),
        ("bias", st.booleans()),
        ("dropout", st.floats(0.0, 0.3)),
    ):
        if draw(st.booleans()):
            params[name] = draw(values)
    return "TransformerEncoderLayer", params, shape


def sequence_layer(draw: Any, shape: tuple[int, ...], keep: bool) -> tuple[str, dict, tuple]:
    """One layer on a sequence (L, E)."""
    length, width = shape
    kinds = ["recurrent", "attention", "encoder", "positions", "Linear", "norm", "act", "Dropout"]
    kind = draw(st.sampled_from(kinds))
    if kind == "recurrent":
        return _recurrent(draw, shape, keep)
    if kind == "attention":
        return _attention(draw, shape)
    if kind == "encoder":
        return _encoder_layer(draw, shape)
    if kind == "positions":
        return "PositionalEmbedding", {}, shape
    if kind == "Linear":
        out = width if keep else draw(st.integers(1, 12))
        return "Linear", {"out_features": out}, (length, out)
    if kind == "norm":
        return draw(st.sampled_from(["LayerNorm", "RMSNorm"])), {}, shape
    if kind == "Dropout":
        return draw(st.sampled_from(["Dropout", "AlphaDropout"])), {"p": 0.1}, shape
    return (*_activation(draw), shape)


def cross(builder: Any, query: str, memory: str) -> str:
    """Attention from `query` to `memory`, or a decoder layer over them; returns its id."""
    draw = builder.draw
    target, source = builder.shapes[query], builder.shapes[memory]
    if target[1] == source[1] and draw(st.booleans()):
        params: dict[str, Any] = {"nhead": _divisor(draw, target[1]), "dim_feedforward": 8}
        if target[0] == source[0] and draw(st.booleans()):
            params["causal"] = True
        return builder.add([query, memory], "TransformerDecoderLayer", params, target)
    params = {"num_heads": _divisor(draw, target[1])}
    return builder.add([query, memory], "MultiheadAttention", params, target)


def sequence_end(draw: Any, shape: tuple[int, ...]) -> tuple[str, dict, tuple]:
    """Pool a sequence (L, E) into one vector (E)."""
    kind = draw(st.sampled_from(["Mean", "LastStep"]))
    if kind == "Mean":
        return "Mean", {"dim": draw(st.sampled_from([1, -2]))}, (shape[1],)
    return "LastStep", {}, (shape[1],)
