"""What a registry entry is: a block (layer) with everything code generation needs.

A `Block` holds the whole story of one layer: its parameters, its shape rule, how it is
constructed in `__init__` and called in `forward` (its `Emission`), which tensors it
accepts, how many inputs it takes and what they are called, whether its parameters are
exempt from weight decay, and its category (which carries the colour). Nothing about a
block lives in a table elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from math import prod
from typing import Any, Literal

from ..params import Param

Shape = tuple[int, ...]
"""Shape of one sample, without the batch dimension."""

DType = Literal["float32", "int64"]
Params = dict[str, Any]


@dataclass(frozen=True)
class TensorType:
    """What flows along an edge: one sample's shape and dtype.

    `int64` tensors hold token ids in `[0, vocab)`; float tensors have no vocabulary.
    """

    shape: Shape
    dtype: DType = "float32"
    vocab: int | None = None

    @property
    def rank(self) -> int:
        return len(self.shape)

    def describe(self) -> str:
        text = fmt_shape(self.shape)
        if self.dtype == "int64":
            text += f" int64 ids < {self.vocab}"
        return text


ShapeRule = Callable[[Params, list[TensorType]], "Shape | TensorType"]
"""Output of the block for its inputs; a plain shape means float32. Raises ShapeError."""
InferRule = Callable[[Params, list[TensorType]], Params]
CountRule = Callable[[Params, list[TensorType]], int]


def no_params(params: Params, inputs: list[TensorType]) -> int:
    return 0


def no_inference(params: Params, inputs: list[TensorType]) -> Params:
    return {}


def same_shape(params: Params, inputs: list[TensorType]) -> Shape:
    return inputs[0].shape


# ---------------------------------------------------------------- emission


@dataclass(frozen=True)
class Helper:
    """Python source that model.py defines once, for blocks torch.nn lacks (a class or function).

    `needs` lists the helpers this one uses, `imports` the modules it needs (`torch`, `math`).
    """

    name: str
    source: str
    imports: frozenset[str] = frozenset()
    needs: tuple[Helper, ...] = ()


@dataclass(frozen=True)
class Code:
    """An expression of generated code and what model.py must provide for it."""

    text: str
    imports: frozenset[str] = frozenset()
    helpers: tuple[Helper, ...] = ()


CallRule = Callable[[str, list[str], Params], Code]
"""(the module attribute, e.g. `self.lstm`; the argument names; the params) -> expression."""


def call_first(module: str, args: list[str], params: Params) -> Code:
    return Code(f"{module}({args[0]})")


def call_all(module: str, args: list[str], params: Params) -> Code:
    return Code(f"{module}({', '.join(args)})")


@dataclass(frozen=True)
class Module:
    """The block is an `nn.Module` attribute: constructed in `__init__`, called in `forward`.

    `cls` is the constructor's name (default `nn.<type>`); `fixed` keyword arguments are
    always passed (e.g. `batch_first=True`); `always` lists parameters passed even at their
    default (where torch's own default differs); `call` writes the forward expression, e.g.
    `self.lstm(x)[0]` to keep the output of `(output, (h, c))`; `helper` is model.py source
    defining `cls` when torch.nn lacks it.
    """

    cls: str | None = None
    fixed: tuple[tuple[str, str], ...] = ()
    always: tuple[str, ...] = ()
    call: CallRule = call_first
    helper: Helper | None = None


ExpressionRule = Callable[[list[str], Params], Code]


@dataclass(frozen=True)
class Expression:
    """The block is an expression in `forward` with no module, e.g. `a + b` or `x.mean(dim=1)`."""

    code: ExpressionRule


Emission = Module | Expression


# ---------------------------------------------------------------- the block


@dataclass(frozen=True)
class Inputs:
    """How many incoming edges a block takes; `slots` names ordered inputs (query, key, ...).

    The k-th incoming edge in the spec's edge list is argument k.
    """

    min: int = 1
    max: int | None = 1
    slots: tuple[str, ...] = ()


ONE_INPUT = Inputs()
MERGE_INPUTS = Inputs(min=2, max=None)


@dataclass(frozen=True)
class Block:
    """A layer block: its torch class or expression, its parameters and its shape rule.

    `accepts` lists the input dtypes; `decay` is "weights" when only its weights take weight
    decay (biases are exempt), "none" when none of its parameters does (normalisation);
    `inner_norms` names normalisation classes inside it (a Transformer layer's
    `nn.LayerNorm`), whose parameters take no weight decay either;
    `initialised` says the training's weight initialisation applies to it (its `weight`; its
    `bias` becomes zero). `attributes` says where the torch module keeps a parameter that is
    not an attribute of the same name (`nhead` is `self_attn.num_heads`), for importers; a
    parameter set by `forward()` alone (attention's `causal`) maps to "" (not kept).
    """

    type: str
    category: str
    doc: str
    params: tuple[Param, ...]
    shape: ShapeRule
    infer: InferRule = no_inference
    count: CountRule = no_params
    buffers: CountRule = no_params
    key_params: tuple[str, ...] = ()
    inputs: Inputs = ONE_INPUT
    accepts: tuple[DType, ...] = ("float32",)
    decay: Literal["weights", "none"] = "weights"
    inner_norms: tuple[str, ...] = ()
    initialised: bool = False
    emission: Emission = field(default_factory=Module)
    attributes: tuple[tuple[str, str], ...] = ()

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    @property
    def is_module(self) -> bool:
        return isinstance(self.emission, Module)

    @property
    def exempt_classes(self) -> tuple[str, ...]:
        """Classes of the modules in this block whose parameters take no weight decay."""
        own = (self.class_name,) if self.decay == "none" else ()
        return own + self.inner_norms

    @property
    def class_name(self) -> str:
        """How generated code names its class, e.g. `nn.Linear` (modules only)."""
        assert isinstance(self.emission, Module), f"{self.type} is an expression"
        return self.emission.cls or f"nn.{self.type}"


@dataclass(frozen=True)
class Component:
    """A training component chosen by type name: loss, optimizer, scheduler, init, ..."""

    type: str
    doc: str
    params: tuple[Param, ...] = ()

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


@dataclass(frozen=True)
class Category:
    """A palette group; its colour marks its blocks in the editor and in pictures."""

    name: str
    colour: str
    doc: str


def numel(shape: Shape) -> int:
    return prod(shape) if shape else 1


def fmt_shape(shape: tuple[Any, ...]) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ")"
