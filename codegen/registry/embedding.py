"""Embeddings: token ids to vectors, learned position embeddings and a learned class token."""

from __future__ import annotations

from ..params import REQUIRED, Param
from ..problems import ShapeError
from .base import Block, Helper, Module, Params, Shape, TensorType
from .rules import check_inferred, expect_sequence, single


def _embedding_rule(params: Params, inputs: list[TensorType]) -> Shape:
    (x,) = inputs
    assert x.vocab is not None
    check_inferred(params, "num_embeddings", x.vocab)
    pad = params["padding_idx"]
    if pad is not None and not -x.vocab <= pad < x.vocab:
        raise ShapeError(
            f"padding_idx {pad} is not a token id of the vocabulary of {x.vocab}",
            f"use an id from 0 to {x.vocab - 1} (e.g. 0), or null",
            param="padding_idx",
        )
    return (*x.shape, params["embedding_dim"])


EMBEDDING = Block(
    type="Embedding",
    category="Embedding",
    doc="A learned vector for each token id: (L) int64 ids -> (L, embedding_dim).",
    params=(
        Param(
            "num_embeddings",
            "int",
            None,
            "Size of the vocabulary (inferred from the incoming ids).",
            min=1,
            inferred=True,
            positional=True,
        ),
        Param("embedding_dim", "int", REQUIRED, "Size of each vector.", min=1, positional=True),
        Param(
            "padding_idx",
            "int",
            None,
            "A token id whose vector stays zero and gets no gradient (e.g. padding).",
            nullable=True,
        ),
        Param(
            "max_norm",
            "float",
            None,
            "Renormalise vectors longer than this.",
            min=0.0,
            exclusive_min=True,
            nullable=True,
        ),
        Param("scale_grad_by_freq", "bool", False, "Scale gradients by inverse token frequency."),
    ),
    shape=_embedding_rule,
    infer=lambda p, x: {"num_embeddings": x[0].vocab},
    count=lambda p, x: p["num_embeddings"] * p["embedding_dim"],
    key_params=("embedding_dim",),
    accepts=("int64",),
)

POSITIONAL_EMBEDDING_CLASS = Helper(
    "PositionalEmbedding",
    '''
class PositionalEmbedding(nn.Module):
    """A learned vector for each position, added to a sequence (N, L, E)."""

    def __init__(self, num_positions: int, embedding_dim: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(num_positions, embedding_dim) * 0.02)

    def forward(self, x: Tensor) -> Tensor:
        return x + self.weight[: x.size(1)]
''',
    imports=frozenset({"torch"}),
)


def _positions_rule(params: Params, inputs: list[TensorType]) -> Shape:
    hint = "use it after an Embedding, or after a Transpose of (E, L) patches"
    shape = expect_sequence("PositionalEmbedding", single(inputs), hint)
    check_inferred(params, "num_positions", shape[0])
    check_inferred(params, "embedding_dim", shape[1])
    return shape


POSITIONAL_EMBEDDING = Block(
    type="PositionalEmbedding",
    category="Embedding",
    doc="Adds a learned vector per position to a sequence (L, E), as in GPT and ViT.",
    params=(
        Param(
            "num_positions",
            "int",
            None,
            "Positions (inferred: the sequence length).",
            min=1,
            inferred=True,
            positional=True,
        ),
        Param(
            "embedding_dim",
            "int",
            None,
            "Size of each vector (inferred).",
            min=1,
            inferred=True,
            positional=True,
        ),
    ),
    shape=_positions_rule,
    infer=lambda p, x: {"num_positions": x[0].shape[0], "embedding_dim": x[0].shape[1]},
    count=lambda p, x: x[0].shape[0] * x[0].shape[1],
    emission=Module(cls="PositionalEmbedding", helper=POSITIONAL_EMBEDDING_CLASS),
)

CLASS_TOKEN_CLASS = Helper(
    "ClassToken",
    '''
class ClassToken(nn.Module):
    """A learned token put before a sequence: (N, L, E) -> (N, L + 1, E), as in ViT."""

    def __init__(self, embedding_dim: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1, 1, embedding_dim))

    def forward(self, x: Tensor) -> Tensor:
        return torch.cat([self.weight.expand(x.size(0), -1, -1), x], dim=1)
''',
    imports=frozenset({"torch"}),
)


def _class_token_rule(params: Params, inputs: list[TensorType]) -> Shape:
    hint = "use it on a sequence of patches, e.g. after Flatten(start_dim=2) and Transpose"
    shape = expect_sequence("ClassToken", single(inputs), hint)
    check_inferred(params, "embedding_dim", shape[1])
    return (shape[0] + 1, shape[1])


CLASS_TOKEN = Block(
    type="ClassToken",
    category="Embedding",
    doc="Puts a learned token first in a sequence (L, E) -> (L + 1, E), as ViT's class token.",
    params=(
        Param(
            "embedding_dim",
            "int",
            None,
            "Size of the token (inferred).",
            min=1,
            inferred=True,
            positional=True,
        ),
    ),
    shape=_class_token_rule,
    infer=lambda p, x: {"embedding_dim": x[0].shape[1]},
    count=lambda p, x: x[0].shape[1],
    emission=Module(cls="ClassToken", helper=CLASS_TOKEN_CLASS),
)

BLOCKS = (EMBEDDING, POSITIONAL_EMBEDDING, CLASS_TOKEN)
