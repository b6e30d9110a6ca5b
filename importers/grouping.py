"""Definitions from scopes: modules of one class with the same graph share one, the sizes
that differ between them becoming its parameters; whole containers of equal instances
become repeats; and each graph written as spec nodes and edges."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from codegen.definitions import _name_problem, _param_name_problem
from codegen.registry import BLOCKS

from .scopes import Item, Scope, local_name

FORWARD_PARAMS = frozenset({"causal"})
"""Block parameters forward() uses: they take values, not expressions (docs/spec.md)."""


def _signature(scope: Scope) -> tuple[Any, ...]:
    """What instances of one definition share: the graph, and every value not free."""
    items = []
    for item in scope.items:
        kind = item.scope.definition if item.scope else item.type
        fixed = tuple((k, repr(v)) for k, v in item.params.items() if k not in item.free)
        items.append((item.id, kind, fixed, tuple(item.inputs), item.free, len(item.repeat)))
    return (type(scope.module).__name__, len(scope.inputs), tuple(items), scope.out_id)


def group_definitions(scopes: list[Scope]) -> dict[str, dict[str, Any]]:
    """Group scopes into definitions, innermost first (a scope's key names its children's)."""
    modules: dict[str, dict[str, Any]] = {}
    pending = sorted(scopes, key=lambda s: -s.path.count("."))
    named: dict[tuple[Any, ...], str] = {}
    firsts: dict[str, set[str]] = {}  # a class's first definition: its node ids
    while pending:
        ready = [s for s in pending if all(i.scope is None or i.scope.definition for i in s.items)]
        groups: dict[tuple[Any, ...], list[Scope]] = defaultdict(list)
        for scope in ready:
            fill_instance_params(scope)
            find_repeats(scope)
            groups[_signature(scope)].append(scope)
        for key, members in sorted(groups.items(), key=lambda g: len(g[1][0].items)):
            name = named.get(key) or _definition_name(members[0], modules, firsts)
            named[key] = name
            modules[name] = _definition(name, members)
        pending = [s for s in pending if s not in ready]
    return modules


def fill_instance_params(scope: Scope) -> None:
    for item in scope.items:
        if item.scope is not None and not item.params:
            item.params = dict(item.scope.values)
            item.free = tuple(item.params)


def find_repeats(scope: Scope) -> None:
    """Runs of equal instances in one container, each keeping the shape: one repeated
    instance, named as the container when the run is all of it (`layer1`, whose weights
    keep their names, `layer1.0.conv1`), else as its first (`layer3_1`)."""
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
        if len(run) > 1 and container and all(i.scope and i.scope.keeps_shape for i in run):
            whole = len(scope.module.get_submodule(container[0])._modules) == len(run)
            name = container[1] if whole else run[0].id
            repeated = Item(name, item.type, item.params, item.inputs, item.free)
            repeated.scope = item.scope
            repeated.repeat = [i.scope for i in run if i.scope]
            for later in items[end:]:
                later.inputs = [name if r == run[-1].id else r for r in later.inputs]
            if scope.out_id == run[-1].id:
                scope.out_id = name
            merged.append(repeated)
        else:
            merged.extend(run)
        k = end
    scope.items = merged


def _container(item: Item, scope: Scope) -> tuple[str, str] | None:
    """(relative path, local id) of the container an instance is a child of, e.g. layer1."""
    if item.scope is None:
        return None
    relative = local_name(item.scope.path, scope.path).count("_")
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
    nodes, edges = spec_graph(first, param_of)
    entry: dict[str, Any] = {
        "description": f"{type(first.module).__name__} of the imported model ({first.path}"
        + (f" and {len(members) - 1} more)." if len(members) > 1 else ")."),
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


def spec_graph(
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
