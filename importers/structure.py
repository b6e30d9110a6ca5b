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
from dataclasses import dataclass, field
from typing import Any

from torch import nn

from codegen.definitions import _name_problem, _param_name_problem
from codegen.names import id_problem
from codegen.registry import BLOCKS

from .mapping import Mapped, Node

CONTAINERS = (nn.Sequential, nn.ModuleList, nn.ModuleDict)
MERGES = ("Add", "Multiply", "Concat")
_FORWARD_PARAMS = frozenset({"causal"})
"""Block parameters forward() uses: they take values, not expressions (docs/spec.md)."""


@dataclass
class Item:
    """One node of a definition's (or the model's) graph: a block or an instance."""

    id: str
    type: str
    params: dict[str, Any]
    inputs: list[str]
    free: tuple[str, ...]
    """Parameters that may differ between instances of the definition around it."""
    node: Node | None = None
    scope: Scope | None = None
    repeat: list[Scope] = field(default_factory=list)


@dataclass
class Scope:
    """One module around blocks that becomes an instance (or the model itself)."""

    path: str
    module: nn.Module
    inputs: list[str] = field(default_factory=list)
    output: str = ""
    members: list[Node | Scope] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    out_id: str = ""
    definition: str = ""
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def first(self) -> int:
        return 0


@dataclass
class Structure:
    """The spec's graph, its definitions, and where each module's weights go."""

    nodes: list[dict[str, Any]]
    edges: list[dict[str, str]]
    output: str
    modules: dict[str, dict[str, Any]]
    weight_paths: dict[str, str]


def _local(path: str, inside: str) -> str:
    rest = path[len(inside) + 1 :] if inside else path
    return rest.replace(".", "_")


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
    modules = _definitions([s for p, s in scopes.items() if p])
    _fill_instance_params(root)
    _repeats(root)
    spec_nodes, edges = _spec_graph(root, None)
    weight_paths: dict[str, str] = {}
    _weights(root, "", weight_paths)
    return Structure(spec_nodes, edges, root.out_id, modules, weight_paths)


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
        if k not in _FORWARD_PARAMS and type(v) in (int, float, bool)
    )


def _body(scope: Scope, nodes: dict[str, Node]) -> None:
    """The graph of a scope in local names: its items, their inputs and its output."""
    taken: set[str] = set()
    local: dict[str, str] = {}
    inputs = ["x"] if scope.path else ["input"]
    for k, ref in enumerate(scope.inputs):
        local[ref] = inputs[0] if k == 0 else f"x{k + 1}"
    for member in scope.members:
        if isinstance(member, Node):
            raw = (
                _local(member.path, scope.path)
                if member.path
                else re.sub(r"_\d+$", "", member.name)
            )
            item_id = _clean_id(raw, taken, member.type.lower())
            item = Item(item_id, member.type, dict(member.params), [], _free(member), node=member)
            local[member.name] = item_id
            item.inputs = [local[r] for r in member.inputs]
        else:
            item_id = _clean_id(_local(member.path, scope.path), taken, "block")
            item = Item(item_id, "", {}, [local[r] for r in member.inputs], (), scope=member)
            local[member.output] = item_id
        scope.items.append(item)
    scope.out_id = local[scope.output]


def _signature(scope: Scope) -> tuple[Any, ...]:
    """What instances of one definition share: the graph, and every value not free."""
    items = []
    for item in scope.items:
        kind = item.scope.definition if item.scope else item.type
        fixed = tuple((k, repr(v)) for k, v in item.params.items() if k not in item.free)
        items.append((item.id, kind, fixed, tuple(item.inputs), item.free, len(item.repeat)))
    return (type(scope.module).__name__, len(scope.inputs), tuple(items), scope.out_id)


def _definitions(scopes: list[Scope]) -> dict[str, dict[str, Any]]:
    """Group scopes into definitions, innermost first (a scope's key names its children's)."""
    modules: dict[str, dict[str, Any]] = {}
    pending = sorted(scopes, key=lambda s: -s.path.count("."))
    named: dict[tuple[Any, ...], str] = {}
    firsts: dict[str, set[str]] = {}  # a class's first definition: its node ids
    while pending:
        ready = [s for s in pending if all(i.scope is None or i.scope.definition for i in s.items)]
        groups: dict[tuple[Any, ...], list[Scope]] = defaultdict(list)
        for scope in ready:
            _fill_instance_params(scope)
            _repeats(scope)
            groups[_signature(scope)].append(scope)
        for key, members in sorted(groups.items(), key=lambda g: len(g[1][0].items)):
            name = named.get(key) or _definition_name(members[0], modules, firsts)
            named[key] = name
            modules[name] = _definition(name, members)
        pending = [s for s in pending if s not in ready]
    return modules


def _fill_instance_params(scope: Scope) -> None:
    for item in scope.items:
        if item.scope is not None and not item.params:
            item.params = dict(item.scope.values)
            item.free = tuple(item.params)


def _repeats(scope: Scope) -> None:
    """Runs of equal instances that make a whole container: one repeated instance."""
    items, merged, k = scope.items, [], 0
    while k < len(items):
        item, end = items[k], k + 1
        container = _container(item, scope)
        while (
            container
            and end < len(items)
            and items[end].scope is not None
            and item.scope is not None
            and items[end].scope.definition == item.scope.definition
            and items[end].params == item.params
            and items[end].inputs == [items[end - 1].id]
            and _container(items[end], scope) == container
            and sum(items[end - 1].id in i.inputs for i in items) == 1
        ):
            end += 1
        run = items[k:end]
        size = (
            len(getattr(scope.module.get_submodule(container[0]), "_modules", {}))
            if container
            else 0
        )
        if len(run) > 1 and len(run) == size and item.scope is not None:
            repeated = Item(container[1], item.type, item.params, item.inputs, item.free)
            repeated.scope = item.scope
            repeated.repeat = [i.scope for i in run if i.scope]
            for later in items[end:]:
                later.inputs = [container[1] if r == run[-1].id else r for r in later.inputs]
            if scope.out_id == run[-1].id:
                scope.out_id = container[1]
            merged.append(repeated)
        else:
            merged.extend(run)
        k = end
    scope.items = merged


def _container(item: Item, scope: Scope) -> tuple[str, str] | None:
    """(relative path, local id) of the container an instance is a child of, e.g. layer1."""
    if item.scope is None:
        return None
    relative = _local(item.scope.path, scope.path).count("_")
    path = item.scope.path[len(scope.path) + 1 :] if scope.path else item.scope.path
    if "." not in path or not relative:
        return None
    parent = path.rsplit(".", 1)[0]
    return parent, parent.replace(".", "_")


def _definition_name(scope: Scope, modules: dict[str, Any], firsts: dict[str, set[str]]) -> str:
    """The class's name; for a second variant of a class, with the name of a layer only it
    has (`BasicBlockDownsample`), else a number."""
    base = re.sub(r"[^A-Za-z0-9_]", "", type(scope.module).__name__).lstrip("_") or "Block"
    base = base[0].upper() + base[1:]
    if _name_problem(base) is not None:
        base = f"{base}Block"
    ids = {i.id for i in scope.items}
    if base not in firsts:
        firsts[base] = ids
    else:
        extra = sorted(
            (i.id for i in scope.items if i.id not in firsts[base]), key=lambda i: "_" in i
        )
        word = re.sub(r"_\d+$", "", extra[0]) if extra else ""
        if word.isalpha():
            base += word[0].upper() + word[1:]
    name, k = base, 1
    while name in modules or _name_problem(name) is not None:
        k += 1
        name = f"{base}{k}"
    return name


# ---------------------------------------------------------------- parameters


def _definition(name: str, members: list[Scope]) -> dict[str, Any]:
    first = members[0]
    positions = [(k, p) for k, item in enumerate(first.items) for p in item.free]
    vectors = {pos: [m.items[pos[0]].params[pos[1]] for m in members] for pos in positions}
    varying = [pos for pos in positions if len({repr(v) for v in vectors[pos]}) > 1]
    clusters: dict[str, tuple[int, str]] = {}  # repr(vector) -> first position
    params: dict[str, dict[str, Any]] = {}
    param_of: dict[tuple[int, str], Any] = {}
    taken: set[str] = set()
    for pos in varying:
        vector = vectors[pos]
        key = repr(vector)
        if key in clusters:
            param_of[pos] = {"expr": params_name(clusters[key], first, param_of)}
            continue
        multiple = _multiple(vector, clusters, vectors, first, param_of)
        if multiple:
            param_of[pos] = {"expr": multiple}
            continue
        pname = _param_name(first.items[pos[0]].id, pos[1], taken)
        clusters[key] = pos
        param_of[pos] = {"expr": pname}
        params[pname] = _param_spec(vector)
    for member in members:
        member.definition = name
        member.values = {
            n: member.items[pos[0]].params[pos[1]]
            for pos, value in param_of.items()
            if (n := value["expr"]) in params
        }
    nodes, edges = _spec_graph(first, param_of)
    entry: dict[str, Any] = {
        "description": f"{type(first.module).__name__} of the imported model ({first.path}"
        + (f" and {len(members) - 1} more)" if len(members) > 1 else ")"),
    }
    if params:
        entry["params"] = params
    entry.update({"inputs": ["x"], "nodes": nodes, "edges": edges, "output": first.out_id})
    return entry


def params_name(pos: tuple[int, str], first: Scope, param_of: dict[Any, Any]) -> str:
    return param_of[pos]["expr"]


def _multiple(
    vector: list[Any],
    clusters: dict[str, Any],
    vectors: dict[Any, list[Any]],
    first: Scope,
    param_of: dict[Any, Any],
) -> str | None:
    if not all(type(v) is int and v > 0 for v in vector):
        return None
    for pos in clusters.values():
        base = vectors[pos]
        if all(type(b) is int and b > 0 for b in base) and vector[0] % base[0] == 0:
            factor = vector[0] // base[0]
            if factor > 1 and all(v == b * factor for v, b in zip(vector, base, strict=True)):
                return f"{param_of[pos]['expr']} * {factor}"
    return None


def _param_name(node_id: str, param: str, taken: set[str]) -> str:
    for name in (param, f"{node_id}_{param}".lower()):
        name = re.sub(r"[^a-z0-9_]", "_", name.lower())
        if name not in taken and _param_name_problem(name) is None:
            taken.add(name)
            return name
    k = 2
    while f"{param}_{k}" in taken:
        k += 1
    taken.add(f"{param}_{k}")
    return f"{param}_{k}"


def _param_spec(vector: list[Any]) -> dict[str, Any]:
    if all(type(v) is bool for v in vector):
        return {"kind": "bool", "default": vector[0]}
    if all(type(v) is int for v in vector):
        return {"kind": "int", "default": vector[0], "min": 0}
    return {"kind": "float", "default": float(vector[0])}


# ---------------------------------------------------------------- spec


def _spec_graph(
    scope: Scope, param_of: dict[Any, Any] | None
) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, str]] = []
    for k, item in enumerate(scope.items):
        params: dict[str, Any] = {}
        block = BLOCKS.get(item.type) if item.scope is None else None
        for name, value in item.params.items():
            if param_of is not None and (k, name) in param_of:
                params[name] = param_of[(k, name)]
            elif block is None or block.param(name) is None or block.param(name).default != value:
                params[name] = value
        entry: dict[str, Any] = {
            "id": item.id,
            "type": item.scope.definition if item.scope else item.type,
        }
        if params:
            entry["params"] = params
        if item.repeat:
            entry["repeat"] = len(item.repeat)
        nodes.append(entry)
        edges.extend({"source": source, "target": item.id} for source in item.inputs)
    return nodes, edges


def _weights(scope: Scope, prefix: str, paths: dict[str, str]) -> None:
    for item in scope.items:
        where = f"{prefix}{item.id}"
        if item.node is not None and item.node.path:
            paths[item.node.path] = where
        elif item.repeat:
            for k, member in enumerate(item.repeat):
                _weights(member, f"{where}.{k}.", paths)
        elif item.scope is not None:
            _weights(item.scope, f"{where}.", paths)
