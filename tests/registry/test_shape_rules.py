"""Every block's pure-Python shape rule against the real torch module (hypothesis).

For random inputs and parameters of every block in the registry, either
- the registry accepts: then torch builds the module (with the registry's resolved and
  inferred parameters), runs a batch of 2 in train and eval mode, and gives exactly the
  output shape, parameter count and buffer count of the registry; and codegen's own
  constructor emission builds the same module; or
- the registry reports a problem: then torch must fail too, unless the registry is
  deliberately stricter for a reason listed in `deliberate_strictness`.

The registry may be stricter than torch, never looser.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from codegen.analysis import analyze
from codegen.params import Param
from codegen.problems import ShapeError
from codegen.registry import BLOCKS, Block, Shape, TensorType
from codegen.registry.rules import normalise_dim
from tests.registry.registry_support import (
    Accepted,
    Ran,
    emitted_module,
    one_node_spec,
    through_registry,
    through_torch,
    torch_kwargs,
    torch_module,
)

# The sample ranks (without the batch) each block is meant for. Every block of the
# registry must be listed: a new block fails `test_every_block_is_covered` until it is.
ANY_RANK = (1, 2, 3)
RANKS: dict[str, tuple[int, ...]] = {
    "Linear": (1, 2),
    "Conv1d": (2,),
    "Conv2d": (3,),
    "Conv3d": (4,),
    "ConvTranspose2d": (3,),
    "MaxPool1d": (2,),
    "MaxPool2d": (3,),
    "MaxPool3d": (4,),
    "AvgPool1d": (2,),
    "AvgPool2d": (3,),
    "AvgPool3d": (4,),
    "AdaptiveAvgPool1d": (2,),
    "AdaptiveAvgPool2d": (3,),
    "AdaptiveAvgPool3d": (4,),
    "AdaptiveMaxPool1d": (2,),
    "AdaptiveMaxPool2d": (3,),
    "Flatten": ANY_RANK,
    "Unflatten": ANY_RANK,
    "Permute": ANY_RANK,
    "Transpose": (2, 3),
    "Reshape": ANY_RANK,
    "Mean": ANY_RANK,
    "LastStep": (2,),
    "Select": ANY_RANK,
    "Dropout": ANY_RANK,
    "Dropout1d": (2,),
    "Dropout2d": (3,),
    "AlphaDropout": ANY_RANK,
    "BatchNorm1d": (1, 2),
    "BatchNorm2d": (3,),
    "BatchNorm3d": (4,),
    "LayerNorm": ANY_RANK,
    "RMSNorm": ANY_RANK,
    "GroupNorm": ANY_RANK,
    "InstanceNorm1d": (2,),
    "InstanceNorm2d": (3,),
    "ReLU": ANY_RANK,
    "ReLU6": ANY_RANK,
    "LeakyReLU": ANY_RANK,
    "PReLU": ANY_RANK,
    "ELU": ANY_RANK,
    "GELU": ANY_RANK,
    "SiLU": ANY_RANK,
    "Mish": ANY_RANK,
    "Hardswish": ANY_RANK,
    "Hardsigmoid": ANY_RANK,
    "Softplus": ANY_RANK,
    "Tanh": ANY_RANK,
    "Sigmoid": ANY_RANK,
    "GLU": ANY_RANK,
    "Softmax": ANY_RANK,
    "LogSoftmax": ANY_RANK,
    "Identity": ANY_RANK,
    "Add": ANY_RANK,
    "Multiply": ANY_RANK,
    "Concat": ANY_RANK,
    "Embedding": (1, 2),
    "PositionalEmbedding": (2,),
    "ClassToken": (2,),
    "RNN": (2,),
    "LSTM": (2,),
    "GRU": (2,),
    "MultiheadAttention": (2,),
    "CausalSelfAttention": (2,),
    "TransformerEncoderLayer": (2,),
    "TransformerDecoderLayer": (2,),
    "Upsample": (2, 3, 4),
    "PixelShuffle": (3,),
    "ZeroPad2d": (3,),
}

# The blocks issue 3 asks for (the registry may have more).
REQUIRED_BLOCKS = set(
    """Linear Conv1d Conv2d ConvTranspose2d MaxPool1d MaxPool2d AvgPool1d AvgPool2d
    AdaptiveAvgPool1d AdaptiveAvgPool2d Flatten Dropout Dropout2d BatchNorm1d BatchNorm2d
    LayerNorm GroupNorm InstanceNorm1d InstanceNorm2d ReLU LeakyReLU ELU GELU SiLU Tanh
    Sigmoid Softmax LogSoftmax Identity Add Concat""".split()  # noqa: SIM905
)

# Small ranges, so that hypothesis finds both fitting and too-large windows.
INT_RANGES: dict[str, tuple[int, int]] = {
    "out_features": (1, 8),
    "out_channels": (1, 6),
    "kernel_size": (1, 5),
    "stride": (1, 3),
    "padding": (0, 3),
    "output_padding": (0, 2),
    "dilation": (1, 3),
    "groups": (1, 4),
    "num_groups": (1, 8),
    "output_size": (1, 6),
    "dim": (-4, 4),
    "dim0": (-4, 4),
    "dim1": (-4, 4),
    "index": (-10, 10),
    "start_dim": (-4, 4),
    "end_dim": (-4, 4),
    "num_parameters": (1, 6),
    "embedding_dim": (1, 8),
    "padding_idx": (-4, 40),
    "hidden_size": (1, 6),
    "num_layers": (1, 3),
    "num_heads": (1, 4),
    "nhead": (1, 4),
    "dim_feedforward": (1, 12),
    "upscale_factor": (1, 3),
}
FLOAT_RANGES: dict[str, tuple[float, float]] = {
    "eps": (1e-6, 1e-2),
    "negative_slope": (-1.0, 1.0),
    "alpha": (0.1, 2.0),
    "init": (-1.0, 1.0),
    "beta": (0.1, 3.0),
    "threshold": (0.0, 30.0),
    "max_norm": (0.1, 3.0),
    "layer_norm_eps": (1e-6, 1e-3),
    "scale_factor": (0.3, 3.0),
}
CHANNELS = (1, 6)
SPATIAL = (1, 9)
# Blocks with many interacting parameters get more examples than the element-wise ones.
RICH = ("Conv1d", "Conv2d", "ConvTranspose2d", "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d")
RICH += ("LayerNorm", "GroupNorm", "Concat", "Add", "Flatten", "Unflatten", "Linear", "Multiply")
RICH += ("Permute", "Reshape", "MultiheadAttention", "LSTM", "Upsample")

OMIT: Any = object()
"""A parameter left out of the spec (the registry default applies)."""


@dataclass(frozen=True)
class Case:
    inputs: list[TensorType]
    given: dict[str, Any]

    @property
    def shapes(self) -> list[Shape]:
        return [x.shape for x in self.inputs]


def divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


@st.composite
def sample_shape(draw: Any, ranks: tuple[int, ...]) -> Shape:
    """(C,), (C, L) or (C, H, W); sometimes of a rank the block is not meant for."""
    wrong = [r for r in ANY_RANK if r not in ranks]
    rank = draw(st.sampled_from(ranks))
    if wrong and draw(st.integers(0, 7)) == 0:
        rank = draw(st.sampled_from(wrong))
    if rank == 4:  # keep volumes small
        return (draw(st.integers(1, 3)), *(draw(st.integers(1, 6)) for _ in range(3)))
    channels = draw(st.integers(*CHANNELS))
    return (channels, *(draw(st.integers(*SPATIAL)) for _ in range(rank - 1)))


@st.composite
def merge_shapes(draw: Any, ranks: tuple[int, ...]) -> list[Shape]:
    """2 or 3 inputs: copies of one shape, some with one dimension (or the rank) changed."""
    first = draw(sample_shape(ranks))
    shapes = [first]
    for _ in range(draw(st.integers(1, 2))):
        shape = list(first)
        change = draw(st.integers(0, 5))
        if change == 0:
            shape = list(draw(sample_shape(ranks)))
        elif change == 1:
            axis = draw(st.integers(0, len(shape) - 1))
            shape[axis] = draw(st.integers(1, 6))
        shapes.append(tuple(shape))
    return shapes


def _int(name: str) -> st.SearchStrategy[int]:
    if name not in INT_RANGES:
        raise KeyError(f"no test range for the int parameter '{name}': add one to INT_RANGES")
    return st.integers(*INT_RANGES[name])


def _float(param: Param) -> st.SearchStrategy[float]:
    low, high = FLOAT_RANGES.get(param.name, (param.min, param.max))
    low = -2.0 if low is None else low
    high = low + 2.0 if high is None else high
    return st.floats(low, high, exclude_min=param.exclusive_min and low == param.min)


def _inferred(
    block: Block, param: Param, given: dict[str, Any], inputs: list[TensorType]
) -> st.SearchStrategy[Any]:
    """Usually left out; sometimes given right, sometimes wrong."""
    try:
        actual = block.infer({**given, param.name: None}, inputs)[param.name]
    except (IndexError, ShapeError):  # an input of a rank the block does not take
        return st.just(OMIT)
    if actual is None:  # torch infers it itself (e.g. attention's kdim)
        return st.just(OMIT)
    if isinstance(actual, tuple):
        wrong: Any = [*actual[:-1], actual[-1] + 1]
        actual = list(actual)
    else:
        wrong = actual + 1
    return st.sampled_from([OMIT, OMIT, OMIT, OMIT, OMIT, actual, actual, wrong])


def _normalized_shape(shape: Shape) -> st.SearchStrategy[Any]:
    trailing = st.integers(1, len(shape)).map(lambda k: list(shape[-k:]))
    return st.one_of(st.just(OMIT), trailing, st.lists(st.integers(1, 6), min_size=1, max_size=2))


def _unflattened_size(dim: Any, shape: Shape) -> st.SearchStrategy[Any]:
    """Sizes whose product is the size of `dim` (mostly), or any sizes."""
    anything = st.lists(st.integers(1, 6), min_size=1, max_size=3)
    rank = len(shape) + 1
    if not isinstance(dim, int) or not -rank <= dim < rank or dim % rank == 0:
        return anything
    size = shape[normalise_dim(dim, len(shape), "dim")]
    split = st.sampled_from(divisors(size)).map(lambda d: [d, size // d])
    return st.one_of(split, split, st.just([size]), st.just([1, size, 1]), anything)


def _permutation(shape: Shape) -> st.SearchStrategy[Any]:
    """An order of the batched dims, mostly with the batch first; sometimes not an order."""
    full = len(shape) + 1
    rest = st.permutations(list(range(1, full))).map(lambda p: [0, *p])
    negative = rest.map(lambda p: [d - full if d and d % 2 else d for d in p])
    anything = st.lists(st.integers(-4, 4), min_size=1, max_size=full + 1)
    return st.one_of(rest, rest, negative, st.permutations(list(range(full))), anything)


def _reshaped(shape: Shape) -> st.SearchStrategy[Any]:
    """A new shape of as many values (sometimes with -1), or any sizes."""
    size = math.prod(shape)
    split = st.sampled_from(divisors(size)).map(lambda d: [d, size // d])
    free = st.sampled_from(divisors(size)).map(lambda d: [-1, d])
    anything = st.lists(st.integers(-1, 6), min_size=1, max_size=3)
    return st.one_of(split, free, st.just([size]), st.just([1, size]), anything)


def _value(
    block: Block, param: Param, given: dict[str, Any], inputs: list[TensorType]
) -> st.SearchStrategy[Any]:
    """A JSON value for `param`, drawn with the params given so far and the inputs."""
    shape = inputs[0].shape
    if param.name == "normalized_shape":
        return _normalized_shape(shape)
    if param.inferred:
        return _inferred(block, param, given, inputs)
    if param.name == "unflattened_size":
        return _unflattened_size(given.get("dim"), shape)
    if block.type == "Permute" and param.name == "dims":
        return _permutation(shape)
    if block.type == "Reshape" and param.name == "shape":
        return _reshaped(shape)
    if param.name == "num_parameters":
        return st.one_of(st.just(OMIT), st.just(shape[0]), _int(param.name))
    if param.name in ("num_heads", "nhead"):
        return st.one_of(st.sampled_from(divisors(shape[-1])), _int(param.name))
    if param.name == "size" and block.type == "Upsample":
        sizes = st.lists(st.integers(1, 8), min_size=1, max_size=len(shape))
        return st.one_of(st.just(OMIT), st.none(), sizes)
    if param.name == "num_groups":
        return st.one_of(st.sampled_from(divisors(shape[0])), _int(param.name))
    if param.name == "groups":
        common = divisors(math.gcd(shape[0], given.get("out_channels", shape[0])))
        values: st.SearchStrategy[Any] = st.one_of(st.sampled_from(common), _int(param.name))
    elif param.kind == "int":
        values = _int(param.name)
    elif param.kind == "int_tuple":
        length = param.length or 1
        values = st.one_of(
            _int(param.name), st.lists(_int(param.name), min_size=length, max_size=length)
        )
    elif param.kind == "float":
        values = _float(param)
    elif param.kind == "bool":
        values = st.booleans()
    elif param.kind == "choice":
        assert param.choices is not None
        values = st.sampled_from(param.choices)
    else:
        raise KeyError(f"no test values for {block.type}.{param.name} ({param.kind})")
    if param.nullable:
        values = st.one_of(st.none(), values)
    return values if param.required else st.one_of(st.just(OMIT), values)


@st.composite
def input_types(draw: Any, block: Block, shapes: list[Shape]) -> list[TensorType]:
    """Float inputs, or token ids for blocks that take them."""
    dtype = draw(st.sampled_from(block.accepts))
    if dtype == "int64":
        vocab = draw(st.integers(2, 40))
        return [TensorType(shape, "int64", vocab) for shape in shapes]
    return [TensorType(shape) for shape in shapes]


@st.composite
def cases(draw: Any, block: Block) -> Case:
    ranks = RANKS[block.type]
    arity = block.inputs
    if arity.max == 1:
        shapes = [draw(sample_shape(ranks))]
    else:
        shapes = draw(merge_shapes(ranks))
        count = draw(st.integers(arity.min, arity.max or 3))
        shapes = (shapes * 3)[:count] if arity.max else shapes
    inputs = draw(input_types(block, shapes))
    given: dict[str, Any] = {}
    for param in block.params:
        value = draw(_value(block, param, given, inputs))
        if value is not OMIT:
            given[param.name] = value
    return Case(inputs, given)


def deliberate_strictness(block: Block, case: Case) -> str | None:
    """Why the registry may reject what torch runs without error, or None."""
    if any(len(s) not in RANKS[block.type] for s in case.shapes):
        return "torch reads another rank as unbatched input or mixes only the last dimension"
    if block.type == "Add" and len(set(case.shapes)) > 1:
        return "Add does not broadcast: the branches must end in the same shape"
    if block.type == "Multiply" and len({len(s) for s in case.shapes}) > 1:
        return "Multiply broadcasts inputs of one rank only, so that the batch dims line up"
    for param in block.params:
        # (LayerNorm's normalized_shape is a choice of trailing dims, checked by torch)
        explicit = param.inferred and param.name != "normalized_shape" and param.name in case.given
        if explicit and case.given[param.name] != block.infer(case.given, case.inputs)[param.name]:
            return f"an explicit {param.name} must match the incoming tensor"
    normalized = case.given.get("normalized_shape") or ()
    if block.type in ("LayerNorm", "RMSNorm") and len(normalized) > len(case.shapes[0]):
        return f"{block.type} must not normalise across the batch dimension"
    rank = len(case.shapes[0]) + 1
    dims = {
        "Flatten": [case.given.get("start_dim", 1)],
        "Transpose": [case.given.get("dim0", 1), case.given.get("dim1", 2)],
        "Permute": list(case.given.get("dims", [1]))[:1],
    }.get(block.type, [case.given.get("dim", 1)])
    batch = [d for d in dims if isinstance(d, int) and -rank <= d < rank and d % rank == 0]
    reshapes = ("Flatten", "Unflatten", "Concat", "Transpose", "Mean", "GLU", "Select")
    if block.type in reshapes and batch:
        return "a block must not merge, split, swap, reduce or join the batch dimension"
    if block.type == "Permute" and (not batch or len(set(case.given["dims"])) < rank):
        return "Permute must keep the batch first (torch.permute allows any order)"
    if case.given.get("causal") and len({s[0] for s in case.shapes}) > 1:
        return "a causal mask is for self-attention: as many keys as queries"
    if block.type in ("RNN", "LSTM", "GRU") and case.given.get("num_layers", 1) == 1:
        return "dropout between stacked layers does nothing with one layer (torch warns)"
    if block.type == "Mean" and rank == 2 and not case.given.get("keepdim"):
        return "the mean over a sample's only dimension leaves no sample dimension"
    if block.type == "Select" and rank == 2:
        return "selecting from a sample's only dimension leaves no sample dimension"
    return None


def check_block(block: Block, case: Case) -> None:
    verdict = through_registry(block, case.given, case.inputs)
    kwargs = torch_kwargs(block, case.given, case.inputs)
    result = through_torch(block, kwargs, case.inputs)
    what = f"{block.type}({case.given}) on {[x.describe() for x in case.inputs]}"
    if block.inputs.max == 1:  # the analysis of a one-node spec agrees with the registry
        # (the default training may still object to the output: only the node counts)
        analysis = analyze(one_node_spec(block, case.given, case.inputs[0]))
        node = analysis.nodes["layer"]
        assert (node.output_shape is not None) == isinstance(verdict, Accepted), what
        if isinstance(verdict, Accepted):
            assert (node.output_shape, node.param_count) == (verdict.shape, verdict.count)
            assert analysis.total_params == verdict.count
    if isinstance(verdict, Accepted):
        event("accepted")
        assert isinstance(result, Ran), f"the registry accepts {what}, torch fails: {result}"
        assert result.shape == verdict.shape, f"{what}: torch {result.shape}, rule {verdict.shape}"
        assert result.count == verdict.count, f"{what}: parameter count"
        assert result.buffers == verdict.buffers, f"{what}: buffer count"
        assert result.dtype == verdict.output.dtype, f"{what}: dtype"
        if block.is_module:
            built = torch_module(block, verdict.params)
            assert repr(emitted_module(block, verdict.params)) == repr(built)
        return
    event("rejected")
    assert verdict.message.strip()
    assert verdict.param is None or block.param(verdict.param) is not None, verdict
    if isinstance(result, Ran):
        reason = deliberate_strictness(block, case)
        event(f"stricter than torch: {reason}")
        assert reason, f"the registry rejects {what} ({verdict.message}), torch runs it"


SETTINGS = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}


@pytest.mark.parametrize("block_type", sorted(set(BLOCKS) - set(RICH)))
@settings(max_examples=40, **SETTINGS)
@given(data=st.data())
def test_shape_rule_matches_torch(block_type: str, data: st.DataObject) -> None:
    block = BLOCKS[block_type]
    check_block(block, data.draw(cases(block), label="case"))


@pytest.mark.parametrize("block_type", RICH)
@settings(max_examples=150, **SETTINGS)
@given(data=st.data())
def test_rich_shape_rule_matches_torch(block_type: str, data: st.DataObject) -> None:
    block = BLOCKS[block_type]
    check_block(block, data.draw(cases(block), label="case"))


def test_every_block_is_covered() -> None:
    assert set(BLOCKS) == set(RANKS), "add the block's input ranks to RANKS (and its params)"
    assert not REQUIRED_BLOCKS - set(BLOCKS), "issue 3 asks for these blocks"
    for block in BLOCKS.values():
        for param in block.params:
            # raises for a parameter the strategies cannot draw
            _value(block, param, {}, [TensorType((4, 4, 4, 4)[: RANKS[block.type][0]])])
