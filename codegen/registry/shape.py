"""Blocks that move data around without learning: flatten, reshape, permute, reduce, select.

Those torch.nn has (Flatten, Unflatten) are modules; the others are tensor methods in
`forward`, as one would write them by hand (`x.transpose(1, 2)`, `x.mean(dim=1)`, `x[:, -1]`).
Reshaping blocks pass token ids through unchanged; reductions need float tensors.
"""

from __future__ import annotations

from ..literals import py
from ..params import REQUIRED, Param
from ..problems import ShapeError
from .base import Block, Code, Expression, Params, Shape, TensorType, fmt_shape, numel
from .rules import dim_param, expect_sequence, normalise_dim, sample_dim, single

_ANY_DTYPE = ("float32", "int64")


def _keep_dtype(inputs: list[TensorType], shape: Shape) -> TensorType:
    """The input's dtype and vocabulary on a new shape."""
    return TensorType(shape, inputs[0].dtype, inputs[0].vocab)


def _flatten_rule(params: Params, inputs: list[TensorType]) -> TensorType:
    shape = single(inputs)
    start = normalise_dim(params["start_dim"], len(shape), "start_dim")
    end = normalise_dim(params["end_dim"], len(shape), "end_dim")
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
    return _keep_dtype(inputs, (*shape[:start], numel(shape[start : end + 1]), *shape[end + 1 :]))


FLATTEN = Block(
    type="Flatten",
    category="Shape",
    doc="Flatten dimensions start_dim..end_dim (counting the batch) into one, e.g. (C,H,W) -> (C*H*W).",
    params=(
        Param("start_dim", "int", 1, "First dimension to flatten (0 is the batch).", min=-8, max=8),
        Param("end_dim", "int", -1, "Last dimension to flatten.", min=-8, max=8),
    ),
    shape=_flatten_rule,
    accepts=_ANY_DTYPE,
)


def _unflatten_rule(params: Params, inputs: list[TensorType]) -> TensorType:
    shape = single(inputs)
    dim = normalise_dim(params["dim"], len(shape), "dim")
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
    return _keep_dtype(inputs, (*shape[:dim], *sizes, *shape[dim + 1 :]))


UNFLATTEN = Block(
    type="Unflatten",
    category="Shape",
    doc="Split one dimension into several, e.g. (784) -> (1, 28, 28).",
    params=(
        dim_param("dim", None, "Dimension to split (counting the batch).", positional=True),
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
    accepts=_ANY_DTYPE,
)


def _permute_rule(params: Params, inputs: list[TensorType]) -> TensorType:
    shape = single(inputs)
    dims = params["dims"]
    full = len(shape) + 1
    if sorted(d % full if -full <= d < full else d for d in dims) != list(range(full)):
        raise ShapeError(
            f"dims {list(dims)} is not an order of the {full} dimensions 0..{full - 1}",
            f"list each of 0..{full - 1} once, with 0 (the batch) first, e.g. "
            f"{[0, *range(full - 1, 0, -1)]}",
            param="dims",
        )
    if dims[0] % full != 0:
        raise ShapeError(
            "Permute must keep the batch dimension first", "start dims with 0", param="dims"
        )
    return _keep_dtype(inputs, tuple(shape[d % full - 1] for d in dims[1:]))


PERMUTE = Block(
    type="Permute",
    category="Shape",
    doc="Reorder the dimensions (counting the batch, which stays first), e.g. [0, 2, 1].",
    params=(
        Param(
            "dims",
            "int_list",
            REQUIRED,
            "The new order of the dimensions, starting with 0 (the batch).",
            min=-8,
            max=8,
        ),
    ),
    shape=_permute_rule,
    key_params=("dims",),
    accepts=_ANY_DTYPE,
    emission=Expression(lambda args, p: Code(f"{args[0]}.permute{py(p['dims'])}")),
)


def _transpose_rule(params: Params, inputs: list[TensorType]) -> TensorType:
    shape = single(inputs)
    a = sample_dim(params["dim0"], len(shape), "dim0", "Transpose")
    b = sample_dim(params["dim1"], len(shape), "dim1", "Transpose")
    out = list(shape)
    out[a], out[b] = out[b], out[a]
    return _keep_dtype(inputs, tuple(out))


TRANSPOSE = Block(
    type="Transpose",
    category="Shape",
    doc="Swap two dimensions (counting the batch), e.g. (C, L) -> (L, C) with 1 and 2.",
    params=(
        dim_param("dim0", 1, "One dimension to swap (0 is the batch)."),
        dim_param("dim1", 2, "The other dimension."),
    ),
    shape=_transpose_rule,
    key_params=("dim0", "dim1"),
    accepts=_ANY_DTYPE,
    emission=Expression(
        lambda args, p: Code(f"{args[0]}.transpose({py(p['dim0'])}, {py(p['dim1'])})")
    ),
)


def _reshape_rule(params: Params, inputs: list[TensorType]) -> TensorType:
    shape = single(inputs)
    target = list(params["shape"])
    size = numel(shape)
    free = [i for i, d in enumerate(target) if d == -1]
    if len(free) > 1 or any(d == 0 or d < -1 for d in target):
        raise ShapeError(
            f"shape {target} may hold sizes of at least 1 and one -1 at most",
            "write it like [4, 16] or [-1, 16]",
            param="shape",
        )
    known = numel(tuple(d for d in target if d != -1))
    if free and size % known == 0:
        target[free[0]] = size // known
    if numel(tuple(target)) != size:
        raise ShapeError(
            f"cannot reshape {fmt_shape(shape)} ({size} values) to {fmt_shape(tuple(target))}",
            f"give sizes whose product is {size}, or use -1 for one of them",
            param="shape",
        )
    return _keep_dtype(inputs, tuple(target))


def _reshape_code(args: list[str], params: Params) -> Code:
    sizes = ", ".join(py(d) for d in params["shape"])
    return Code(f"{args[0]}.reshape({args[0]}.size(0), {sizes})")


RESHAPE = Block(
    type="Reshape",
    category="Shape",
    doc="Give each sample a new shape with the same number of values (one size may be -1).",
    params=(
        Param(
            "shape",
            "int_list",
            REQUIRED,
            "The new shape of one sample, e.g. [4, 16]; -1 stands for the rest.",
            min=-1,
        ),
    ),
    shape=_reshape_rule,
    key_params=("shape",),
    accepts=_ANY_DTYPE,
    emission=Expression(_reshape_code),
)


def _mean_rule(params: Params, inputs: list[TensorType]) -> Shape:
    shape = single(inputs)
    dim = sample_dim(params["dim"], len(shape), "dim", "Mean")
    if params["keepdim"]:
        return (*shape[:dim], 1, *shape[dim + 1 :])
    if len(shape) == 1:
        raise ShapeError(
            "the mean over the only dimension leaves a scalar per sample",
            "set keepdim, or take the mean of a longer tensor",
            param="dim",
        )
    return (*shape[:dim], *shape[dim + 1 :])


def _mean_code(args: list[str], params: Params) -> Code:
    keep = ", keepdim=True" if params["keepdim"] else ""
    return Code(f"{args[0]}.mean(dim={py(params['dim'])}{keep})")


MEAN = Block(
    type="Mean",
    category="Shape",
    doc="Average over one dimension (counting the batch), e.g. over the tokens of (L, E).",
    params=(
        dim_param("dim", 1, "Dimension to average over (0 is the batch)."),
        Param("keepdim", "bool", False, "Keep the averaged dimension with size 1."),
    ),
    shape=_mean_rule,
    key_params=("dim",),
    emission=Expression(_mean_code),
)


def _last_step_rule(params: Params, inputs: list[TensorType]) -> TensorType:
    shape = expect_sequence(
        "LastStep", single(inputs), "use it after a recurrent or attention block"
    )
    return _keep_dtype(inputs, shape[1:])


LAST_STEP = Block(
    type="LastStep",
    category="Shape",
    doc="The last position of a sequence: (L, E) -> (E), e.g. an LSTM's final output.",
    params=(),
    shape=_last_step_rule,
    accepts=_ANY_DTYPE,
    emission=Expression(lambda args, p: Code(f"{args[0]}[:, -1]")),
)


def _select_rule(params: Params, inputs: list[TensorType]) -> TensorType:
    shape = single(inputs)
    dim = sample_dim(params["dim"], len(shape), "dim", "Select")
    size, index = shape[dim], params["index"]
    if not -size <= index < size:
        raise ShapeError(
            f"index {index} is outside dimension {params['dim']}, of size {size}",
            f"use an index from 0 to {size - 1}, or from -1 (the last) to {-size}",
            param="index",
        )
    if len(shape) == 1:
        raise ShapeError(
            "selecting from a sample's only dimension leaves a scalar per sample",
            "select from a longer tensor, e.g. a sequence (L, E)",
            param="dim",
        )
    return _keep_dtype(inputs, (*shape[:dim], *shape[dim + 1 :]))


def _select_code(args: list[str], params: Params) -> Code:
    """`x[:, 0]` as one writes it by hand; `x[..., 0]` from the end; else `x.select(d, i)`."""
    dim, index = params["dim"], py(params["index"])
    if dim > 0:
        return Code(f"{args[0]}[{':, ' * dim}{index}]")
    if dim == -1:
        return Code(f"{args[0]}[..., {index}]")
    return Code(f"{args[0]}.select({py(dim)}, {index})")


SELECT = Block(
    type="Select",
    category="Shape",
    doc="One position along a dimension (counting the batch), which drops it: x[:, 0] of (L, E) is (E).",
    params=(
        dim_param("dim", 1, "Dimension to select from (0 is the batch)."),
        Param("index", "int", 0, "The position to keep (0 is the first, -1 the last)."),
    ),
    shape=_select_rule,
    key_params=("dim", "index"),
    accepts=_ANY_DTYPE,
    emission=Expression(_select_code),
)

BLOCKS = (FLATTEN, UNFLATTEN, PERMUTE, TRANSPOSE, RESHAPE, MEAN, LAST_STEP, SELECT)
