"""The module hierarchy of an imported model as definitions, instances and repeats.

Every module around the model's blocks that takes its inputs and gives one output becomes an
instance of a definition (containers, `nn.Sequential` and `nn.ModuleList`, are flattened into
the module around them: their children keep the container's name, `features_0`). Modules of
one class whose graphs are the same, up to sizes, share one definition: the sizes that differ
between them become its parameters (`out_channels`, or `{"expr": "out_channels * 4"}` where
one is a multiple of another). A run of equal instances that makes a whole container becomes
a `repeat`, and keeps the container's name, as `nn.Sequential` would (`layer1.0.conv1`).

`build_structure` gives the spec's graph and definitions, and where each original module's
weights go in the generated model (`layer2.0.downsample.0` -> `layer2_0.downsample_0`).
"""

from __future__ import annotations

import re
from collections import defaultdict

from torch import nn

from codegen.names import id_problem
from codegen.registry import BLOCKS

from .grouping import (
    FORWARD_PARAMS,
    fill_instance_params,
    find_repeats,
    group_definitions,
    spec_graph,
)
from .mapping import Mapped, Node
from .scopes import Item, Scope, Structure, local_name

CONTAINERS = (nn.Sequential, nn.ModuleList, nn.ModuleDict)
MERGES = ("Add", "Multiply", "Concat")


def _clean_id(name: str, taken: set[str], prefix: str) -> str:
    name = re.sub(r"[^A-Za-z0-9_]", "_", name)
    if not name or not name[0].isalpha():
        name = f"{prefix}_{name}".strip("_")
    base, k = name[:60], 1
    while id_problem(name) is not None or name in taken:
        k += 1
        name = f"{base}_{k}"
    taken.add(name)
    return name


def build_structure(mapped: Mapped, model: nn.Module) -> Structure:
    nodes = mapped.nodes
    scopes = _scopes(mapped, model)
    root = scopes[""]
    for scope in sorted(scopes.values(), key=lambda s: -s.path.count(".") - bool(s.path)):
        _body(scope, nodes)
    modules = group_definitions([s for p, s in scopes.items() if p])
    fill_instance_params(root)
    find_repeats(root)
    spec_nodes, edges = spec_graph(root, None)
    weight_paths: dict[str, str] = {}
    layouts: dict[str, tuple[int, ...]] = {}
    _weights(root, "", weight_paths, layouts)
    return Structure(spec_nodes, edges, root.out_id, modules, weight_paths, layouts)


# ---------------------------------------------------------------- scopes


def _members(mapped: Mapped) -> dict[str, list[str]]:
    """Each module path around blocks: the nodes inside it (at any depth)."""
    inside: dict[str, list[str]] = defaultdict(list)
    for name, node in mapped.nodes.items():
        for path in node.scope:
            inside[path].append(name)
    return inside


def _interface(
    names: list[str], mapped: Mapped, users: dict[str, list[str]]
) -> tuple[list[str], list[str]]:
    own = set(names)
    inputs: list[str] = []
    outputs: list[str] = []
    for name in names:
        for ref in mapped.nodes[name].inputs:
            if ref not in own and ref not in inputs:
                inputs.append(ref)
        if name == mapped.output or any(u not in own for u in users[name]):
            outputs.append(name)
    return inputs, outputs


def _scopes(mapped: Mapped, model: nn.Module) -> dict[str, Scope]:
    users: dict[str, list[str]] = defaultdict(list)
    for name, node in mapped.nodes.items():
        for ref in node.inputs:
            users[ref].append(name)
    inside = _members(mapped)
    chosen: dict[str, Scope] = {"": Scope("", model)}
    for path in sorted(inside, key=lambda p: -p.count(".")):
        module = model.get_submodule(path)
        if type(module) in CONTAINERS:
            continue
        names = inside[path]
        inputs, outputs = _interface(names, mapped, users)
        if len(inputs) > 1:
            _hoist_merge(path, names, inputs, mapped)
            names = inside[path] = [n for n in names if path in mapped.nodes[n].scope]
            inputs, outputs = _interface(names, mapped, users)
        if len(inputs) == 1 and len(outputs) == 1 and len(names) < len(mapped.nodes):
            chosen[path] = Scope(path, module, inputs, outputs[0])
            source = mapped.nodes.get(inputs[0])
            chosen[path].keeps_shape = source is not None and (
                source.shape == mapped.nodes[outputs[0]].shape
            )
    # each node belongs to its innermost chosen scope; each scope to its innermost chosen one
    for node in mapped.nodes.values():
        owner = next((p for p in reversed(node.scope) if p in chosen), "")
        chosen[owner].members.append(node)
    for path, scope in chosen.items():
        if path:
            parents = [p for p in chosen if p and path.startswith(p + ".")]
            parent = max(parents, key=len) if parents else ""
            chosen[parent].members.append(scope)
    order = {name: k for k, name in enumerate(mapped.nodes)}
    for scope in chosen.values():
        scope.members.sort(key=lambda m: _first_index(m, inside, order))
    chosen[""].output = mapped.output
    chosen[""].inputs = ["input"]
    return chosen


def _first_index(member: Node | Scope, inside: dict[str, list[str]], order: dict[str, int]) -> int:
    if isinstance(member, Node):
        return order[member.name]
    return min(order[n] for n in inside[member.path])


def _hoist_merge(path: str, names: list[str], inputs: list[str], mapped: Mapped) -> None:
    """A module whose inputs all meet in one merge first (DenseNet's layers concatenate the
    features before them): the merge moves out, so that the module takes one input."""
    takers = [n for n in names if any(r in inputs for r in mapped.nodes[n].inputs)]
    if len(takers) != 1:
        return
    node = mapped.nodes[takers[0]]
    if node.type in MERGES and set(node.inputs) == set(inputs):
        cut = node.scope.index(path)
        node.scope = node.scope[:cut]


# ---------------------------------------------------------------- bodies


def _free(node: Node) -> tuple[str, ...]:
    block = BLOCKS[node.type]
    if not block.is_module:
        return ()
    return tuple(
        k
        for k, v in node.params.items()
        if k not in FORWARD_PARAMS and type(v) in (int, float, bool)
    )


def _call_name(node: Node) -> str:
    """A function call's name as a node id (`cat`, `add`), unless it says nothing of the
    block (`x[:, 0]` is `select`, not `getitem`) or the block is a layer named otherwise
    (`x.reshape(...)` as a Flatten is `self.flatten`, not `self.reshape`)."""
    name = re.sub(r"_\d+$", "", node.name)
    renamed = BLOCKS[node.type].is_module and name.replace("_", "") != node.type.lower()
    return node.type.lower() if renamed or name == "getitem" else name


def _body(scope: Scope, nodes: dict[str, Node]) -> None:
    """The graph of a scope in local names: its items, their inputs and its output."""
    taken: set[str] = set()
    local: dict[str, str] = {}
    inputs = ["x"] if scope.path else ["input"]
    for k, ref in enumerate(scope.inputs):
        local[ref] = inputs[0] if k == 0 else f"x{k + 1}"
    for member in scope.members:
        if isinstance(member, Node):
            raw = local_name(member.path, scope.path) if member.path else _call_name(member)
            item_id = _clean_id(raw, taken, member.type.lower())
            item = Item(item_id, member.type, dict(member.params), [], _free(member), node=member)
            local[member.name] = item_id
            item.inputs = [local[r] for r in member.inputs]
        else:
            item_id = _clean_id(local_name(member.path, scope.path), taken, "block")
            item = Item(item_id, "", {}, [local[r] for r in member.inputs], (), scope=member)
            local[member.output] = item_id
        scope.items.append(item)
    scope.out_id = local[scope.output]


def _weights(
    scope: Scope, prefix: str, paths: dict[str, str], layouts: dict[str, tuple[int, ...]]
) -> None:
    """Where each block's weights go: a module's (`layer1.0.conv1`) under the block's path; a
    parameter a block holds (`class_token`) as that block's `weight`, in its layout."""
    for item in scope.items:
        where = f"{prefix}{item.id}"
        if item.node is not None and item.node.held is not None:
            paths[item.node.path] = f"{where}.weight"
            layouts[item.node.path] = item.node.held.layout
        elif item.node is not None and item.node.path:
            paths[item.node.path] = where
        elif item.repeat:
            for k, member in enumerate(item.repeat):
                _weights(member, f"{where}.{k}.", paths, layouts)
        elif item.scope is not None:
            _weights(item.scope, f"{where}.", paths, layouts)
