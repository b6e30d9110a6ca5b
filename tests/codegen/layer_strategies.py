"""Hypothesis strategies for single layers of valid specs, tracking the sample shape.

Each strategy returns (type, params, output shape) for a layer on a value of a given shape;
with `keep` the layer must not change the shape (a residual branch). The spec builder in
`spec_builder.py` strings them together.
"""

from __future__ import annotations

import math
from typing import Any

from hypothesis import strategies as st

ACTIVATIONS = ("ReLU", "Tanh", "Sigmoid", "SiLU", "Identity", "GELU", "LeakyReLU", "ELU")
ACTIVATIONS += ("ReLU6", "Hardswish", "Hardsigmoid", "Mish", "Softplus", "PReLU")


def _flat_layer(draw: Any, shape: tuple[int, ...], keep: bool) -> tuple[str, dict, tuple]:
    """One layer on a flat (F,) value; with `keep` the shape must not change."""
    (features,) = shape
    kind = draw(
        st.sampled_from(
            ["Linear", "act", "Dropout", "BatchNorm1d", "LayerNorm", "GroupNorm", "Softmax", "GLU"]
        )
    )
    if kind == "Linear":
        out = features if keep else draw(st.integers(1, 12))
        params: dict[str, Any] = {"out_features": out}
        if draw(st.booleans()):
            params["bias"] = draw(st.booleans())
        if draw(st.integers(0, 4)) == 0:
            params["in_features"] = features  # an explicit inferred parameter is checked
        return "Linear", params, (out,)
    if kind == "act":
        return (*_activation(draw), shape)
    if kind == "GLU" and features % 2 == 0 and not keep:
        return "GLU", {}, (features // 2,)
    if kind == "Dropout":
        return "Dropout", {"p": draw(st.floats(0.0, 1.0))}, shape
    if kind == "BatchNorm1d":
        params = {}
        if draw(st.booleans()):
            params["affine"] = draw(st.booleans())
        if draw(st.booleans()):
            params["momentum"] = draw(st.one_of(st.none(), st.floats(0.0, 1.0)))
        return "BatchNorm1d", params, shape
    if kind == "LayerNorm":
        params = {}
        if draw(st.booleans()):
            params["elementwise_affine"] = draw(st.booleans())
        if draw(st.booleans()):
            params["bias"] = draw(st.booleans())
        if draw(st.booleans()):
            params["eps"] = draw(st.floats(1e-8, 1e-2))
        return "LayerNorm", params, shape
    if kind == "GroupNorm":
        groups = draw(st.sampled_from([d for d in range(1, features + 1) if features % d == 0]))
        return "GroupNorm", {"num_groups": groups}, shape
    return (
        draw(st.sampled_from(["Softmax", "LogSoftmax"])),
        {"dim": draw(st.sampled_from([1, -1]))},
        shape,
    )


def _activation(draw: Any) -> tuple[str, dict[str, Any]]:
    type_ = draw(st.sampled_from(ACTIVATIONS))
    params: dict[str, Any] = {}
    if type_ == "GELU" and draw(st.booleans()):
        params["approximate"] = draw(st.sampled_from(["none", "tanh"]))
    elif type_ == "LeakyReLU" and draw(st.booleans()):
        params["negative_slope"] = draw(st.floats(-1.0, 1.0))
    elif type_ == "ELU" and draw(st.booleans()):
        params["alpha"] = draw(st.floats(0.1, 2.0))
    return type_, params


def _window_out(size: int, k: int, s: int, p: int, d: int, ceil: bool) -> int:
    """torch's output length of a sliding window (conv / pool)."""
    span = size + 2 * p - d * (k - 1) - 1
    if not ceil:
        return span // s + 1
    out = -(-span // s) + 1
    if (out - 1) * s >= size + p:
        out -= 1
    return out


def _sizes(draw: Any, low: int, high: int, dims: int) -> int | list[int]:
    """One int for every spatial dimension, or (sometimes) a list of `dims` ints."""
    if dims > 1 and draw(st.integers(0, 3)) == 0:
        return [draw(st.integers(low, high)) for _ in range(dims)]
    return draw(st.integers(low, high))


def _each(value: int | list[int], dims: int) -> tuple[int, ...]:
    return (value,) * dims if isinstance(value, int) else tuple(value)


def _conv(draw: Any, shape: tuple[int, ...], dims: int) -> tuple[str, dict, tuple]:
    channels, spatial = shape[0], shape[1:]
    groups = draw(st.sampled_from([g for g in (1, 2, 3) if channels % g == 0]))
    out = groups * draw(st.integers(1, 4))
    kernel = _sizes(draw, 1, 3, dims)
    padding = _sizes(draw, 0, 1, dims)
    stride = _sizes(draw, 1, 2, dims)
    dilation = draw(st.sampled_from([1, 1, 1, 2]))
    mode = draw(st.sampled_from(["zeros", "zeros", "reflect", "replicate", "circular"]))
    pads = _each(padding, dims)
    if mode == "reflect" and any(p >= n for p, n in zip(pads, spatial, strict=True)):
        mode = "replicate"
    sizes = [
        _window_out(n, k, s_, p, dilation, False)
        for n, k, s_, p in zip(spatial, _each(kernel, dims), _each(stride, dims), pads, strict=True)
    ]
    if min(sizes) < 1:
        kernel, padding, stride, dilation, sizes = 1, 0, 1, 1, list(spatial)
    params: dict[str, Any] = {"out_channels": out, "kernel_size": kernel}
    for name, value, default in (
        ("padding", padding, 0),
        ("stride", stride, 1),
        ("dilation", dilation, 1),
        ("groups", groups, 1),
        ("padding_mode", mode, "zeros"),
    ):
        if value != default or draw(st.booleans()):
            params[name] = value
    if draw(st.integers(0, 3)) == 0:
        params["bias"] = False
    if draw(st.integers(0, 5)) == 0:
        params["in_channels"] = channels
    return f"Conv{dims}d", params, (out, *sizes)


def _transposed(draw: Any, shape: tuple[int, ...]) -> tuple[str, dict, tuple]:
    out = draw(st.integers(1, 4))
    k, s_, d = draw(st.integers(1, 3)), draw(st.integers(1, 2)), draw(st.sampled_from([1, 2]))
    extra = draw(st.integers(0, max(s_, d) - 1))
    padding = draw(st.integers(0, 1))
    sizes = [(n - 1) * s_ - 2 * padding + d * (k - 1) + extra + 1 for n in shape[1:]]
    if min(sizes) < 1:
        padding = 0
        sizes = [(n - 1) * s_ + d * (k - 1) + extra + 1 for n in shape[1:]]
    params = {"out_channels": out, "kernel_size": k, "stride": s_, "dilation": d}
    params.update(output_padding=extra, padding=padding)
    return "ConvTranspose2d", params, (out, *sizes)


def _pool(draw: Any, shape: tuple[int, ...], dims: int, kind: str) -> tuple[str, dict, tuple]:
    channels, spatial = shape[0], shape[1:]
    k = draw(st.integers(1, max(1, min(3, *spatial))))
    params: dict[str, Any] = {"kernel_size": k}
    stride = draw(st.one_of(st.none(), st.integers(1, 2)))
    if stride is not None or draw(st.booleans()):
        params["stride"] = stride
    padding = draw(st.integers(0, k // 2))
    if padding:
        params["padding"] = padding
    dilation = 1
    if kind == "Max" and draw(st.integers(0, 3)) == 0:
        dilation = 2
        params["dilation"] = 2
    ceil = draw(st.booleans())
    if ceil:
        params["ceil_mode"] = True
    if kind == "Avg" and draw(st.booleans()):
        params["count_include_pad"] = draw(st.booleans())
    sizes = tuple(_window_out(n, k, stride or k, padding, dilation, ceil) for n in spatial)
    if min(sizes) < 1:
        return f"{kind}Pool{dims}d", {"kernel_size": 1}, shape
    return f"{kind}Pool{dims}d", params, (channels, *sizes)


def _resampling(draw: Any, kind: str, shape: tuple[int, ...]) -> tuple[str, dict, tuple]:
    """Upsample, PixelShuffle or ZeroPad2d on (C, L), (C, H, W) or (C, D, H, W)."""
    channels, spatial = shape[0], shape[1:]
    if kind == "PixelShuffle" and channels % 4 == 0:
        return "PixelShuffle", {"upscale_factor": 2}, (channels // 4, *(2 * d for d in spatial))
    if kind == "ZeroPad2d":
        left, right, top, bottom = (draw(st.integers(0, 2)) for _ in range(4))
        params = {"padding": [left, right, top, bottom]}
        return "ZeroPad2d", params, (channels, spatial[0] + top + bottom, spatial[1] + left + right)
    mode = draw(
        st.sampled_from(["nearest", {1: "linear", 2: "bilinear", 3: "trilinear"}[len(spatial)]])
    )
    if draw(st.booleans()):
        sizes = [draw(st.integers(1, 12)) for _ in spatial]
        return "Upsample", {"size": sizes, "mode": mode}, (channels, *sizes)
    scale = draw(st.sampled_from([0.5, 1.5, 2.0]))
    out = tuple(math.floor(d * scale) for d in spatial)
    if min(out) < 1:
        scale, out = 2.0, tuple(2 * d for d in spatial)
    return "Upsample", {"scale_factor": scale, "mode": mode}, (channels, *out)


def _spatial_layer(draw: Any, shape: tuple[int, ...], keep: bool) -> tuple[str, dict, tuple]:
    """One layer on a (C, L) or (C, H, W) value; with `keep` the shape must not change."""
    channels, spatial = shape[0], shape[1:]
    dims = len(spatial)
    kinds = ["Conv", "Conv", "MaxPool", "AvgPool", "BatchNorm", "GroupNorm", "act", "Dropout"]
    kinds += ["LayerNorm", "Upsample"] + (["InstanceNorm"] if dims < 3 else [])
    kinds += ["ConvTranspose2d", "PixelShuffle", "ZeroPad2d"] if dims == 2 else []
    kind = draw(st.sampled_from(kinds))
    if kind in ("Upsample", "PixelShuffle", "ZeroPad2d") and not keep:
        return _resampling(draw, kind, shape)
    if kind == "Conv":
        if keep:
            k = draw(st.sampled_from([1, 3]))
            params = {"out_channels": channels, "kernel_size": k, "padding": k // 2}
            return f"Conv{dims}d", params, shape
        return _conv(draw, shape, dims)
    if kind == "ConvTranspose2d" and not keep:
        return _transposed(draw, shape)
    if kind in ("MaxPool", "AvgPool"):
        if keep:  # (AvgPool3d refuses a window larger than its input, even padded)
            k = 1 if kind == "AvgPool" and dims == 3 and min(spatial) < 3 else 3
            return f"{kind}{dims}d", {"kernel_size": k, "stride": 1, "padding": k // 2}, shape
        return _pool(draw, shape, dims, kind.removesuffix("Pool"))
    if kind == "GroupNorm":
        groups = draw(st.sampled_from([d for d in range(1, channels + 1) if channels % d == 0]))
        params = {"num_groups": groups}
        if draw(st.booleans()):
            params["affine"] = draw(st.booleans())
        return "GroupNorm", params, shape
    if kind == "InstanceNorm" and math.prod(spatial) > 1:
        # (instance statistics need more than one value per channel)
        params = {}
        if draw(st.booleans()):
            params["affine"] = draw(st.booleans())
        if draw(st.booleans()):
            params["track_running_stats"] = draw(st.booleans())
        return f"InstanceNorm{dims}d", params, shape
    if kind == "LayerNorm":
        trailing = list(shape[-draw(st.integers(1, len(shape))) :])
        params = {"normalized_shape": trailing} if len(trailing) > 1 or draw(st.booleans()) else {}
        return "LayerNorm", params, shape
    if kind == "Dropout":
        type_ = {1: "Dropout1d", 2: "Dropout2d"}.get(dims, "Dropout")
        return type_, {"p": draw(st.floats(0.0, 1.0))}, shape
    if kind == "act":
        return (*_activation(draw), shape)
    params = {"affine": draw(st.booleans())} if draw(st.booleans()) else {}
    return f"BatchNorm{dims}d", params, shape
