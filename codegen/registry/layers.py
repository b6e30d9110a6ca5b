"""Linear, convolution, pooling, reshaping and dropout blocks."""

from __future__ import annotations

from typing import Any

from ..params import REQUIRED, Param, expand
from ..problems import ShapeError
from .base import Block, Shape, fmt_shape, numel

CHANNELS_NAMES = {1: "(C, L)", 2: "(C, H, W)"}


def _expect_rank(block: str, shape: Shape, rank: int, hint: str = "") -> None:
    if len(shape) != rank:
        raise ShapeError(
            f"{block} expects an input of shape {CHANNELS_NAMES.get(rank - 1, rank)} per sample, "
            f"got {fmt_shape(shape)}",
            hint,
        )


def _check_inferred(params: dict[str, Any], name: str, actual: Any) -> None:
    given = params.get(name)
    if given is not None and given != actual:
        raise ShapeError(
            f"'{name}' is {given} but the incoming tensor gives {actual}",
            f"remove '{name}' to infer it, or set it to {actual}",
            param=name,
        )


# ---------------------------------------------------------------- Linear


def _linear_shape(params: dict[str, Any], shapes: list[Shape]) -> Shape:
    (shape,) = shapes
    if len(shape) >= 3:
        raise ShapeError(
            f"Linear gets a {len(shape)}-d input {fmt_shape(shape)} per sample and would only "
            "mix its last dimension",
            "add a Flatten block before this Linear",
        )
    _check_inferred(params, "in_features", shape[-1])
    return (*shape[:-1], params["out_features"])


LINEAR = Block(
    type="Linear",
    category="Linear",
    doc="Fully connected layer: y = x W^T + b over the last dimension.",
    params=(
        Param(
            "in_features",
            "int",
            None,
            "Size of each input sample (inferred).",
            min=1,
            inferred=True,
            positional=True,
        ),
        Param(
            "out_features",
            "int",
            REQUIRED,
            "Size of each output sample.",
            min=1,
            positional=True,
        ),
        Param("bias", "bool", True, "Learn an additive bias."),
    ),
    shape=_linear_shape,
    infer=lambda p, s: {"in_features": s[0][-1]},
    count=lambda p, s: s[0][-1] * p["out_features"] + (p["out_features"] if p["bias"] else 0),
    key_params=("out_features",),
)


# ---------------------------------------------------------------- convolution


def _window_out(
    size: int, kernel: int, stride: int, padding: int, dilation: int, ceil: bool
) -> int:
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    if ceil:
        out = -(-span // stride) + 1
        if (out - 1) * stride >= size + padding:
            out -= 1
        return out
    return span // stride + 1


def _conv_spatial(params: dict[str, Any], spatial: Shape, dims: int, block: str) -> Shape:
    kernel = expand(params["kernel_size"], dims)
    stride = expand(params["stride"], dims)
    padding = expand(params["padding"], dims)
    dilation = expand(params["dilation"], dims)
    out = []
    for size, k, s, p, d in zip(spatial, kernel, stride, padding, dilation, strict=True):
        length = _window_out(size, k, s, p, d, False)
        if length < 1:
            raise ShapeError(
                f"{block}: the kernel ({d * (k - 1) + 1} wide with dilation) is larger than "
                f"its padded input ({size + 2 * p})",
                "use a smaller kernel_size, add padding, or remove a pooling layer before it",
                param="kernel_size",
            )
        out.append(length)
    return tuple(out)


def _check_groups(params: dict[str, Any], in_channels: int) -> None:
    groups = params["groups"]
    for name, channels in (("in_channels", in_channels), ("out_channels", params["out_channels"])):
        if channels % groups:
            raise ShapeError(
                f"groups={groups} does not divide {name}={channels}",
                "choose groups that divides both the input and output channels",
                param="groups",
            )


def _conv_rule(dims: int, transposed: bool = False):
    block = f"ConvTranspose{dims}d" if transposed else f"Conv{dims}d"

    def rule(params: dict[str, Any], shapes: list[Shape]) -> Shape:
        (shape,) = shapes
        _expect_rank(block, shape, dims + 1, _rank_hint(shape, dims))
        _check_inferred(params, "in_channels", shape[0])
        _check_groups(params, shape[0])
        if transposed:
            return (params["out_channels"], *_transposed_spatial(params, shape[1:], dims))
        _check_padding_mode(params, shape[1:], dims, block)
        return (params["out_channels"], *_conv_spatial(params, shape[1:], dims, block))

    return rule


def _check_padding_mode(params: dict[str, Any], spatial: Shape, dims: int, block: str) -> None:
    """torch pads 'reflect' by less than the size and 'circular' by at most the size."""
    mode = params["padding_mode"]
    for size, pad in zip(spatial, expand(params["padding"], dims), strict=True):
        if (mode == "reflect" and pad >= size) or (mode == "circular" and pad > size):
            limit = "less than" if mode == "reflect" else "at most"
            raise ShapeError(
                f"{block}: padding_mode '{mode}' pads by {limit} the input size, "
                f"but padding is {pad} for a size of {size}",
                "lower the padding, or use padding_mode 'zeros' or 'replicate'",
                param="padding",
            )


def _rank_hint(shape: Shape, dims: int) -> str:
    if len(shape) == 1:
        return f"the input is flat; set the input shape to {CHANNELS_NAMES[dims]} or use Linear"
    if len(shape) > dims + 1:
        return f"use Conv{len(shape) - 1}d for this input" if len(shape) <= 3 else ""
    return f"use Conv{len(shape) - 1}d, or reshape the input to {CHANNELS_NAMES[dims]}"


def _transposed_spatial(params: dict[str, Any], spatial: Shape, dims: int) -> Shape:
    kernel = expand(params["kernel_size"], dims)
    stride = expand(params["stride"], dims)
    padding = expand(params["padding"], dims)
    dilation = expand(params["dilation"], dims)
    extra = expand(params["output_padding"], dims)
    out = []
    for size, k, s, p, d, e in zip(spatial, kernel, stride, padding, dilation, extra, strict=True):
        if e >= s and e >= d:
            raise ShapeError(
                "output_padding must be smaller than stride or dilation",
                "lower output_padding",
                param="output_padding",
            )
        length = (size - 1) * s - 2 * p + d * (k - 1) + e + 1
        if length < 1:
            raise ShapeError(
                f"ConvTranspose{dims}d: padding {p} leaves no output",
                "lower the padding",
                param="padding",
            )
        out.append(length)
    return tuple(out)


def _conv_count(dims: int):
    def count(params: dict[str, Any], shapes: list[Shape]) -> int:
        in_channels = shapes[0][0]
        kernel = numel(expand(params["kernel_size"], dims))
        weights = in_channels * params["out_channels"] // params["groups"] * kernel
        return weights + (params["out_channels"] if params["bias"] else 0)

    return count


def _conv_params(dims: int, transposed: bool = False) -> tuple[Param, ...]:
    params = [
        Param(
            "in_channels",
            "int",
            None,
            "Channels of the input (inferred).",
            min=1,
            inferred=True,
            positional=True,
        ),
        Param("out_channels", "int", REQUIRED, "Channels produced.", min=1, positional=True),
        Param(
            "kernel_size",
            "int_tuple",
            REQUIRED,
            "Size of the convolving kernel.",
            min=1,
            length=dims,
        ),
        Param("stride", "int_tuple", 1, "Stride of the convolution.", min=1, length=dims),
        Param("padding", "int_tuple", 0, "Zero padding added to each side.", min=0, length=dims),
    ]
    if transposed:
        params.append(
            Param(
                "output_padding",
                "int_tuple",
                0,
                "Extra size added to one side of the output.",
                min=0,
                length=dims,
            )
        )
    params += [
        Param("dilation", "int_tuple", 1, "Spacing between kernel elements.", min=1, length=dims),
        Param("groups", "int", 1, "Blocked connections from input to output channels.", min=1),
        Param("bias", "bool", True, "Learn an additive bias."),
    ]
    if not transposed:
        params.append(
            Param(
                "padding_mode",
                "choice",
                "zeros",
                "How padding is filled.",
                choices=("zeros", "reflect", "replicate", "circular"),
            )
        )
    return tuple(params)


def _conv_block(dims: int, transposed: bool = False) -> Block:
    name = f"ConvTranspose{dims}d" if transposed else f"Conv{dims}d"
    layout = CHANNELS_NAMES[dims]
    doc = (
        f"Transposed {dims}-d convolution (learned upsampling) over {layout}."
        if transposed
        else f"{dims}-d convolution over an input of shape {layout}."
    )
    return Block(
        type=name,
        category="Convolution",
        doc=doc,
        params=_conv_params(dims, transposed),
        shape=_conv_rule(dims, transposed),
        infer=lambda p, s: {"in_channels": s[0][0]},
        count=_conv_count(dims),
        key_params=("out_channels", "kernel_size", "stride", "padding"),
    )


# ---------------------------------------------------------------- pooling


def _pool_rule(dims: int, kind: str):
    block = f"{kind}Pool{dims}d"

    def rule(params: dict[str, Any], shapes: list[Shape]) -> Shape:
        (shape,) = shapes
        _expect_rank(block, shape, dims + 1)
        kernel = expand(params["kernel_size"], dims)
        stride = expand(params["stride"] or params["kernel_size"], dims)
        padding = expand(params["padding"], dims)
        dilation = expand(params.get("dilation", 1), dims)
        out = []
        for size, k, s, p, d in zip(shape[1:], kernel, stride, padding, dilation, strict=True):
            if p * 2 > k:
                raise ShapeError(
                    f"{block}: padding {p} is more than half the kernel size {k}",
                    "use padding of at most kernel_size // 2",
                    param="padding",
                )
            length = _window_out(size, k, s, p, d, params["ceil_mode"])
            if length < 1:
                raise ShapeError(
                    f"{block}: the window ({k}) is larger than its input ({size})",
                    "use a smaller kernel_size, or remove an earlier pooling layer",
                    param="kernel_size",
                )
            out.append(length)
        return (shape[0], *out)

    return rule


def _pool_block(dims: int, kind: str) -> Block:
    params = [
        Param(
            "kernel_size",
            "int_tuple",
            REQUIRED,
            "Size of the pooling window.",
            min=1,
            length=dims,
            positional=True,
        ),
        Param(
            "stride",
            "int_tuple",
            None,
            "Stride of the window (default: kernel_size).",
            min=1,
            length=dims,
            nullable=True,
        ),
        Param("padding", "int_tuple", 0, "Implicit padding on both sides.", min=0, length=dims),
    ]
    if kind == "Max":
        params.append(
            Param(
                "dilation", "int_tuple", 1, "Spacing between window elements.", min=1, length=dims
            )
        )
    params.append(Param("ceil_mode", "bool", False, "Use ceil instead of floor for the size."))
    if kind == "Avg":
        params.append(
            Param("count_include_pad", "bool", True, "Include the zero padding in the average.")
        )
    what = "maximum" if kind == "Max" else "average"
    return Block(
        type=f"{kind}Pool{dims}d",
        category="Pooling",
        doc=f"{dims}-d {what} pooling over {CHANNELS_NAMES[dims]}.",
        params=tuple(params),
        shape=_pool_rule(dims, kind),
        key_params=("kernel_size", "stride"),
    )


def _adaptive_block(dims: int, kind: str) -> Block:
    block = f"Adaptive{kind}Pool{dims}d"

    def rule(params: dict[str, Any], shapes: list[Shape]) -> Shape:
        (shape,) = shapes
        _expect_rank(block, shape, dims + 1)
        return (shape[0], *expand(params["output_size"], dims))

    what = "average" if kind == "Avg" else "maximum"
    return Block(
        type=block,
        category="Pooling",
        doc=f"{dims}-d adaptive {what} pooling to a fixed output size (e.g. 1 for global pooling).",
        params=(
            Param(
                "output_size",
                "int_tuple",
                REQUIRED,
                "Target output size.",
                min=1,
                length=dims,
                positional=True,
            ),
        ),
        shape=rule,
        key_params=("output_size",),
    )


# ---------------------------------------------------------------- shape


def _normalise_dim(dim: int, rank: int, name: str) -> int:
    """Map a torch dim (counting the batch dimension) to a sample dim index >= 0."""
    full = rank + 1
    if not -full <= dim < full:
        raise ShapeError(
            f"'{name}'={dim} is out of range for a {full}-d batch",
            f"use a value from 1 to {full - 1} (0 is the batch dimension), or negative",
            param=name,
        )
    return (dim % full) - 1


def _flatten_rule(params: dict[str, Any], shapes: list[Shape]) -> Shape:
    (shape,) = shapes
    start = _normalise_dim(params["start_dim"], len(shape), "start_dim")
    end = _normalise_dim(params["end_dim"], len(shape), "end_dim")
    if start < 0:
        raise ShapeError(
            "Flatten must not merge the batch dimension",
            "use start_dim of 1 or more",
            param="start_dim",
        )
    if end < start:
        raise ShapeError(
            "end_dim comes before start_dim", "swap them or use end_dim=-1", param="end_dim"
        )
    return (*shape[:start], numel(shape[start : end + 1]), *shape[end + 1 :])


FLATTEN = Block(
    type="Flatten",
    category="Shape",
    doc="Flatten dimensions start_dim..end_dim (counting the batch) into one, e.g. (C,H,W) -> (C*H*W).",
    params=(
        Param("start_dim", "int", 1, "First dimension to flatten (0 is the batch).", min=-8, max=8),
        Param("end_dim", "int", -1, "Last dimension to flatten.", min=-8, max=8),
    ),
    shape=_flatten_rule,
)


def _unflatten_rule(params: dict[str, Any], shapes: list[Shape]) -> Shape:
    (shape,) = shapes
    dim = _normalise_dim(params["dim"], len(shape), "dim")
    if dim < 0:
        raise ShapeError("Unflatten cannot split the batch dimension", "use dim >= 1", param="dim")
    sizes = params["unflattened_size"]
    if numel(sizes) != shape[dim]:
        raise ShapeError(
            f"unflattened_size {list(sizes)} has {numel(sizes)} elements but dimension "
            f"{params['dim']} has {shape[dim]}",
            "make the product of unflattened_size equal the size of that dimension",
            param="unflattened_size",
        )
    return (*shape[:dim], *sizes, *shape[dim + 1 :])


UNFLATTEN = Block(
    type="Unflatten",
    category="Shape",
    doc="Split one dimension into several, e.g. (784) -> (1, 28, 28).",
    params=(
        Param(
            "dim",
            "int",
            REQUIRED,
            "Dimension to split (counting the batch).",
            min=-8,
            max=8,
            positional=True,
        ),
        Param(
            "unflattened_size",
            "int_list",
            REQUIRED,
            "New sizes; their product is the old size.",
            min=1,
            positional=True,
        ),
    ),
    shape=_unflatten_rule,
    key_params=("unflattened_size",),
)


# ---------------------------------------------------------------- dropout


def _same(params: dict[str, Any], shapes: list[Shape]) -> Shape:
    return shapes[0]


def _dropout2d_rule(params: dict[str, Any], shapes: list[Shape]) -> Shape:
    _expect_rank("Dropout2d", shapes[0], 3, "use Dropout for flat inputs")
    return shapes[0]


_P = Param(
    "p",
    "float",
    0.5,
    "Probability of an element to be zeroed (dropped), not kept.",
    min=0.0,
    max=1.0,
    positional=True,
)

DROPOUT = Block(
    type="Dropout",
    category="Dropout",
    doc="Zero each element with probability p during training (scaled by 1/(1-p)).",
    params=(_P,),
    shape=_same,
    key_params=("p",),
)
DROPOUT2D = Block(
    type="Dropout2d",
    category="Dropout",
    doc="Zero whole channels of a (C, H, W) input with probability p during training.",
    params=(_P,),
    shape=_dropout2d_rule,
    key_params=("p",),
)

BLOCKS = (
    LINEAR,
    _conv_block(1),
    _conv_block(2),
    _conv_block(2, transposed=True),
    _pool_block(1, "Max"),
    _pool_block(2, "Max"),
    _pool_block(1, "Avg"),
    _pool_block(2, "Avg"),
    _adaptive_block(1, "Avg"),
    _adaptive_block(2, "Avg"),
    _adaptive_block(2, "Max"),
    FLATTEN,
    UNFLATTEN,
    DROPOUT,
    DROPOUT2D,
)
