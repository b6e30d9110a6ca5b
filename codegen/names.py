"""Which names may become Python identifiers in generated code."""

from __future__ import annotations

import keyword
import re

IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")

# Attributes and methods of torch.nn.Module: a layer stored under one of these names
# would break the module (tests check this list against the installed torch).
MODULE_ATTRIBUTES = frozenset(
    [
        "T_destination",
        "add_module",
        "apply",
        "bfloat16",
        "buffers",
        "call_super_init",
        "children",
        "compile",
        "cpu",
        "cuda",
        "double",
        "dump_patches",
        "eval",
        "extra_repr",
        "float",
        "forward",
        "get_buffer",
        "get_extra_state",
        "get_parameter",
        "get_submodule",
        "half",
        "ipu",
        "load_state_dict",
        "modules",
        "mtia",
        "named_buffers",
        "named_children",
        "named_modules",
        "named_parameters",
        "parameters",
        "register_backward_hook",
        "register_buffer",
        "register_forward_hook",
        "register_forward_pre_hook",
        "register_full_backward_hook",
        "register_full_backward_pre_hook",
        "register_load_state_dict_post_hook",
        "register_load_state_dict_pre_hook",
        "register_module",
        "register_parameter",
        "register_state_dict_post_hook",
        "register_state_dict_pre_hook",
        "requires_grad_",
        "set_extra_state",
        "set_submodule",
        "share_memory",
        "state_dict",
        "to",
        "to_empty",
        "train",
        "training",
        "type",
        "xpu",
        "zero_grad",
    ]
)

# Names the generated forward() and module body use themselves.
GENERATED_NAMES = frozenset({"x", "self", "torch", "nn", "F", "super", "input", "model"})


def id_problem(name: str) -> tuple[str, str] | None:
    """Why `name` cannot be a node id (message, hint), or None when it can."""
    if not IDENTIFIER.match(name):
        return (
            f"'{name[:40]}' is not a valid node id",
            "use a letter followed by letters, digits or _ (at most 64), e.g. conv1",
        )
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        return f"'{name}' is a Python keyword", f"use another id, e.g. {name}_1"
    if name in GENERATED_NAMES or name in MODULE_ATTRIBUTES:
        return (
            f"'{name}' is reserved in the generated module",
            f"use another id, e.g. {name}_1",
        )
    return None


def class_name(title: str) -> str:
    """'LeNet with BatchNorm' -> 'LeNetWithBatchNorm'; a safe CamelCase class name."""
    words = re.findall(r"[A-Za-z0-9]+", title)
    name = "".join(w[:1].upper() + w[1:] for w in words)
    if not name or not name[0].isalpha():
        name = "Model" + name
    name = name[:60]
    if keyword.iskeyword(name) or name in GENERATED_NAMES:
        name += "Model"
    return name


def slug(title: str) -> str:
    """'LeNet with BatchNorm' -> 'lenet-with-batchnorm' (file and folder names)."""
    words = re.findall(r"[A-Za-z0-9]+", title.lower())
    return "-".join(words)[:60].strip("-") or "model"
