"""Attention blocks over sequences (L, E), batch first: multi-head attention and the Transformer
encoder and decoder layers.

`MultiheadAttention` with one incoming edge is self-attention; with two or three ordered edges
it attends from the query to the key (and value). The `causal` option masks future positions
(`causal_mask` is defined in model.py); generated code asks for no attention weights, so torch
takes its fused path. `CausalSelfAttention` is GPT's attention as nanoGPT writes it (a helper
module in model.py): one packed projection split into views and
`F.scaled_dot_product_attention(is_causal=True)`, without the sequence-first copies that
`nn.MultiheadAttention` makes inside, so it trains faster.
"""

from __future__ import annotations

from ..params import REQUIRED, Param
from ..problems import ShapeError
from .base import Block, Code, Helper, Inputs, Module, Params, Shape, TensorType
from .rules import check_inferred, expect_sequence

CAUSAL_MASK = Helper(
    "causal_mask",
    '''
def causal_mask(x: Tensor) -> Tensor:
    """The attention mask of a causal model: position i attends to positions up to i."""
    return nn.Transformer.generate_square_subsequent_mask(x.size(1), device=x.device)
''',
)

_CAUSAL = Param(
    "causal",
    "bool",
    False,
    "Mask future positions: each position attends only to itself and earlier ones.",
    in_forward=True,
)
_FIXED = (("batch_first", "True"),)


def _sequence(block: str, x: TensorType, role: str = "input") -> Shape:
    hint = "use it after an Embedding, or Transpose (C, L) features to (L, C)"
    return expect_sequence(block, x.shape, hint, f" as its {role}")


def _check_heads(params: Params, width: int, heads: str) -> None:
    if width % params[heads]:
        options = ", ".join(str(d) for d in range(1, min(width, 64) + 1) if width % d == 0)
        raise ShapeError(
            f"{heads}={params[heads]} does not divide the embedding size {width}",
            f"use {heads} that divides {width}: {options}",
            param=heads,
        )


def _check_causal(block: str, params: Params, query: Shape, key: Shape) -> None:
    if params["causal"] and query[0] != key[0]:
        raise ShapeError(
            f"{block}: a causal mask needs as many keys as queries, got {query[0]} and {key[0]}",
            "use causal for self-attention only",
            param="causal",
        )


def attention_count(
    width: int, key_width: int, value_width: int, bias: bool, bias_kv: bool = False
) -> int:
    """Parameters of nn.MultiheadAttention (packed in_proj when key and value match the query)."""
    projections = width * (width + key_width + value_width) + width * width
    return projections + (4 * width if bias else 0) + (2 * width if bias_kv else 0)


# ---------------------------------------------------------------- MultiheadAttention


def _attention_inputs(inputs: list[TensorType]) -> tuple[Shape, Shape, Shape]:
    query = _sequence("MultiheadAttention", inputs[0], "query")
    key = _sequence("MultiheadAttention", inputs[1], "key") if len(inputs) > 1 else query
    value = _sequence("MultiheadAttention", inputs[2], "value") if len(inputs) > 2 else key
    return query, key, value


def _attention_rule(params: Params, inputs: list[TensorType]) -> Shape:
    query, key, value = _attention_inputs(inputs)
    check_inferred(params, "embed_dim", query[1])
    check_inferred(params, "kdim", key[1])
    check_inferred(params, "vdim", value[1])
    _check_heads(params, query[1], "num_heads")
    if key[0] != value[0]:
        raise ShapeError(
            f"the key has {key[0]} positions but the value has {value[0]}",
            "give key and value the same sequence length",
        )
    _check_causal("MultiheadAttention", params, query, key)
    return query


def _attention_infer(params: Params, inputs: list[TensorType]) -> Params:
    """kdim and vdim stay null (torch: the query's size) unless the key or value differ."""
    query, key, value = _attention_inputs(inputs)
    return {
        "embed_dim": query[1],
        "kdim": key[1] if key[1] != query[1] else None,
        "vdim": value[1] if value[1] != query[1] else None,
    }


def _attention_call(module: str, args: list[str], params: Params) -> Code:
    query = args[0]
    key = args[1] if len(args) > 1 else query
    value = args[2] if len(args) > 2 else key
    options = "need_weights=False"
    if params["causal"]:
        options = f"attn_mask=causal_mask({query}), is_causal=True, " + options
        return Code(f"{module}({query}, {key}, {value}, {options})[0]", helpers=(CAUSAL_MASK,))
    return Code(f"{module}({query}, {key}, {value}, {options})[0]")


def _inferred_width(name: str, doc: str, positional: bool = False) -> Param:
    return Param(name, "int", None, doc, min=1, inferred=True, positional=positional)


_NUM_HEADS = Param(
    "num_heads", "int", REQUIRED, "Heads; must divide embed_dim.", min=1, positional=True
)
_PROJECTION_BIAS = Param("bias", "bool", True, "Learn biases of the projections.")


MULTIHEAD_ATTENTION = Block(
    type="MultiheadAttention",
    category="Attention",
    doc="Multi-head attention: self-attention from one input, or query -> key (-> value).",
    params=(
        _inferred_width("embed_dim", "Embedding size E of the query (inferred).", True),
        _NUM_HEADS,
        Param("dropout", "float", 0.0, "Dropout on the attention weights.", min=0.0, max=1.0),
        _PROJECTION_BIAS,
        Param("add_bias_kv", "bool", False, "Learn a bias added to the keys and values."),
        Param("add_zero_attn", "bool", False, "Add a zero key and value to attend to."),
        _inferred_width("kdim", "Features of the key, when not embed_dim (inferred)."),
        _inferred_width("vdim", "Features of the value, when not embed_dim (inferred)."),
        _CAUSAL,
    ),
    shape=_attention_rule,
    infer=_attention_infer,
    count=lambda p, x: attention_count(
        p["embed_dim"],
        p["kdim"] or p["embed_dim"],
        p["vdim"] or p["embed_dim"],
        p["bias"],
        p["add_bias_kv"],
    ),
    key_params=("num_heads", "causal"),
    inputs=Inputs(min=1, max=3, slots=("query", "key", "value")),
    emission=Module(fixed=_FIXED, call=_attention_call),
    attributes=(("bias", "in_proj_bias"), ("add_bias_kv", "bias_k"), ("causal", "")),
)


# ---------------------------------------------------------------- CausalSelfAttention

CAUSAL_SELF_ATTENTION_CLASS = Helper(
    "CausalSelfAttention",
    '''
class CausalSelfAttention(nn.Module):
    """Masked multi-head self-attention over (N, L, E), as in GPT: one projection makes
    the queries, keys and values, and each position attends to itself and earlier ones."""

    def __init__(
        self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True
    ) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.dropout = dropout
        self.in_proj = nn.Linear(embed_dim, 3 * embed_dim, bias=bias)
        self.out_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.out_dropout = nn.Dropout(dropout)

    def forward(self, x: Tensor) -> Tensor:
        batch, length, width = x.shape
        heads = self.num_heads
        q, k, v = (
            t.view(batch, length, heads, width // heads).transpose(1, 2)
            for t in self.in_proj(x).split(width, dim=2)
        )  # each (N, heads, L, E / heads)
        dropout = self.dropout if self.training else 0.0
        y = F.scaled_dot_product_attention(q, k, v, dropout_p=dropout, is_causal=True)
        y = y.transpose(1, 2).reshape(batch, length, width)
        return self.out_dropout(self.out_proj(y))
''',
    imports=frozenset({"F"}),
)


def _causal_self_attention_rule(params: Params, inputs: list[TensorType]) -> Shape:
    (x,) = inputs
    shape = _sequence("CausalSelfAttention", x)
    check_inferred(params, "embed_dim", shape[1])
    _check_heads(params, shape[1], "num_heads")
    return shape


def _causal_self_attention_count(params: Params, inputs: list[TensorType]) -> int:
    width = inputs[0].shape[1]
    return attention_count(width, width, width, params["bias"])


CAUSAL_SELF_ATTENTION = Block(
    type="CausalSelfAttention",
    category="Attention",
    doc="GPT's masked self-attention (as nanoGPT): faster to train than MultiheadAttention.",
    params=(
        _inferred_width("embed_dim", "Embedding size E (inferred).", True),
        _NUM_HEADS,
        Param(
            "dropout",
            "float",
            0.0,
            "Dropout on the attention weights and on the output.",
            min=0.0,
            max=1.0,
        ),
        _PROJECTION_BIAS,
    ),
    shape=_causal_self_attention_rule,
    infer=lambda p, x: {"embed_dim": x[0].shape[1]},
    count=_causal_self_attention_count,
    key_params=("num_heads",),
    emission=Module(cls="CausalSelfAttention", helper=CAUSAL_SELF_ATTENTION_CLASS),
)


# ---------------------------------------------------------------- Transformer layers


def _layer_params(width: str) -> tuple[Param, ...]:
    return (
        _inferred_width(width, "Embedding size E (inferred).", True),
        Param(
            "nhead",
            "int",
            REQUIRED,
            "Attention heads; must divide d_model.",
            min=1,
            positional=True,
        ),
        Param("dim_feedforward", "int", 2048, "Width of the feed-forward network.", min=1),
        Param("dropout", "float", 0.1, "Dropout rate.", min=0.0, max=1.0),
        Param(
            "activation",
            "choice",
            "relu",
            "Activation of the feed-forward network.",
            choices=("relu", "gelu"),
        ),
        Param("layer_norm_eps", "float", 1e-5, "LayerNorm epsilon.", min=0.0, exclusive_min=True),
        Param(
            "norm_first", "bool", False, "Pre-norm: LayerNorm before attention and feed-forward."
        ),
        Param("bias", "bool", True, "Learn biases in the linear layers and norms."),
        _CAUSAL,
    )


_LAYER_ATTRIBUTES = (
    ("batch_first", "self_attn.batch_first"),
    ("nhead", "self_attn.num_heads"),
    ("dim_feedforward", "linear1.out_features"),
    ("dropout", "dropout.p"),
    ("layer_norm_eps", "norm1.eps"),
    ("bias", "linear1.bias"),
    ("causal", ""),
)


def _layer_count(params: Params, width: int, attentions: int, norms: int) -> int:
    bias = params["bias"]
    hidden = params["dim_feedforward"]
    feed_forward = 2 * width * hidden + (hidden + width if bias else 0)
    attention = attention_count(width, width, width, bias)
    return attentions * attention + feed_forward + norms * (2 * width if bias else width)


def _encoder_rule(params: Params, inputs: list[TensorType]) -> Shape:
    (x,) = inputs
    shape = _sequence("TransformerEncoderLayer", x)
    check_inferred(params, "d_model", shape[1])
    _check_heads(params, shape[1], "nhead")
    return shape


def _encoder_call(module: str, args: list[str], params: Params) -> Code:
    (x,) = args
    if params["causal"]:
        return Code(
            f"{module}({x}, src_mask=causal_mask({x}), is_causal=True)", helpers=(CAUSAL_MASK,)
        )
    return Code(f"{module}({x})")


TRANSFORMER_ENCODER_LAYER = Block(
    type="TransformerEncoderLayer",
    category="Attention",
    doc="Self-attention and a feed-forward network, each with a residual and LayerNorm.",
    params=_layer_params("d_model"),
    shape=_encoder_rule,
    infer=lambda p, x: {"d_model": x[0].shape[1]},
    count=lambda p, x: _layer_count(p, x[0].shape[1], attentions=1, norms=2),
    key_params=("nhead", "dim_feedforward", "norm_first", "causal"),
    inner_norms=("nn.LayerNorm",),
    emission=Module(fixed=_FIXED, call=_encoder_call),
    attributes=_LAYER_ATTRIBUTES,
)


def _decoder_rule(params: Params, inputs: list[TensorType]) -> Shape:
    target = _sequence("TransformerDecoderLayer", inputs[0], "target")
    memory = _sequence("TransformerDecoderLayer", inputs[1], "memory")
    check_inferred(params, "d_model", target[1])
    _check_heads(params, target[1], "nhead")
    if memory[1] != target[1]:
        raise ShapeError(
            f"the memory has {memory[1]} features but the target has {target[1]}",
            "give the encoder's output the decoder's d_model (e.g. a Linear on the memory)",
        )
    return target


def _decoder_call(module: str, args: list[str], params: Params) -> Code:
    target, memory = args
    if params["causal"]:
        options = f"tgt_mask=causal_mask({target}), tgt_is_causal=True"
        return Code(f"{module}({target}, {memory}, {options})", helpers=(CAUSAL_MASK,))
    return Code(f"{module}({target}, {memory})")


TRANSFORMER_DECODER_LAYER = Block(
    type="TransformerDecoderLayer",
    category="Attention",
    doc="Self-attention over the target, attention to the memory, and a feed-forward network.",
    params=_layer_params("d_model"),
    shape=_decoder_rule,
    infer=lambda p, x: {"d_model": x[0].shape[1]},
    count=lambda p, x: _layer_count(p, x[0].shape[1], attentions=2, norms=3),
    key_params=("nhead", "dim_feedforward", "norm_first", "causal"),
    inputs=Inputs(min=2, max=2, slots=("target", "memory")),
    inner_norms=("nn.LayerNorm",),
    emission=Module(fixed=_FIXED, call=_decoder_call),
    attributes=_LAYER_ATTRIBUTES,
)

BLOCKS = (
    MULTIHEAD_ATTENTION,
    CAUSAL_SELF_ATTENTION,
    TRANSFORMER_ENCODER_LAYER,
    TRANSFORMER_DECODER_LAYER,
)
