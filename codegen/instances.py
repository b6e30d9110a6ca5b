"""Instances: a definition inferred for the parameters and input types of one use of it.

The definition's graph is inferred with its declared parameters and its input sizes as
`Dim`s (whole numbers that know their names), so that the types inside say both what they
are for this instance (`(128, 28, 28)`) and how they follow from the definition's
parameters (`(planes, ...)`): the class in model.py is written from the latter. A run is
kept per distinct (definition, parameter values, input types), so a definition used ten
times with the same values is inferred once, and a repeat is inferred once.

Problems inside a definition point into it (`/modules/BasicBlock/nodes/3/...`); the
analysis names the instances they were found in, and each instance gets a problem of its
own that points at the first of them.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from . import expressions
from .definitions import Definition
from .expressions import SYMBOL_PREFIX, Dim, Unifier, unifying
from .graph import Body, Kinds, NodeInfo
from .inference import Tagged, infer_body
from .problems import Problem
from .registry import TensorType

MAX_CHAINS_SHOWN = 4


def symbol(input_index: int, axis: int | str) -> str:
    """The name of one size of a definition's input inside its expressions."""
    return f"{SYMBOL_PREFIX}{input_index}_{axis}"


def symbolic(x: TensorType, input_index: int) -> TensorType:
    """A definition's input: the instance's sizes, each named (`_in0_0`, ...)."""
    shape = tuple(Dim.named(int(d), symbol(input_index, a)) for a, d in enumerate(x.shape))
    vocab = Dim.named(int(x.vocab), symbol(input_index, "v")) if x.vocab is not None else None
    return TensorType(shape, x.dtype, vocab)


@dataclass
class InstanceRun:
    """A definition inferred for one set of parameter values and input types."""

    definition: Definition
    params: dict[str, Any]
    input_types: list[TensorType]
    nodes: dict[str, NodeInfo]
    output: TensorType | None
    problems: list[Tagged]
    bindings: dict[str, ast.expr] = field(default_factory=dict)
    """Input sizes the graph forces to equal an expression (`_in0_0` is `planes`)."""

    @property
    def body(self) -> Body:
        assert self.definition.body is not None
        return self.definition.body

    @property
    def order(self) -> list[str]:
        return self.body.order

    @property
    def param_count(self) -> int:
        return sum(n.param_count for n in self.nodes.values())

    @property
    def buffer_count(self) -> int:
        return sum(n.buffer_count for n in self.nodes.values())

    def nodes_dict(self) -> dict[str, Any]:
        return {k: self.nodes[k].to_dict() for k in self.order}

    def outer_env(self, info: NodeInfo) -> dict[str, Any]:
        """The names of this run's expressions, valued as the instance `info` sees them."""
        env: dict[str, Any] = {p.name: info.params[p.name] for p in self.definition.params}
        for k, x in enumerate(info.input_types):
            env.update({symbol(k, a): d for a, d in enumerate(x.shape)})
            if x.vocab is not None:
                env[symbol(k, "v")] = x.vocab
        return env

    def outer(self, value: Any, env: dict[str, Any]) -> Any:
        """A size of this run as the instance's graph sees it (there, a `Dim` or an int)."""
        return self.outer_node(value.node, env) if isinstance(value, Dim) else value

    def outer_node(self, node: ast.expr, env: dict[str, Any]) -> Any:
        return expressions.evaluate(expressions.substitute(node, self.bindings), env)


class Instances:
    """The instances of one analysis: their runs, kept per distinct parameters and inputs."""

    def __init__(self, kinds: Kinds) -> None:
        self.kinds = kinds
        self.memo: dict[Any, InstanceRun] = {}
        self.runs: dict[str, list[InstanceRun]] = defaultdict(list)
        """Each definition's runs, in the order the model first uses them."""

    def infer(
        self, info: NodeInfo, definition: Definition, body: Body, problems: list[Tagged]
    ) -> TensorType | None:
        """The output type of the instance `info` in `body`, or None (with problems)."""
        where = body.where("nodes", info.index)
        if definition.broken:
            problems.append(
                (
                    Problem(
                        where,
                        f"{definition.name} cannot be used until its definition is fixed",
                        f"see the problems under /modules/{definition.name}",
                    ),
                    (),
                )
            )
            return None
        run = self._run(definition, info.params, info.input_types)
        info.run = run
        if run.problems:
            problems.extend((p, (info.id, *chain)) for p, chain in run.problems)
            first = run.problems[0][0]
            more = len(run.problems) - 1
            problems.append(
                (
                    Problem(
                        where,
                        f"inside {definition.name}: {first.message}"
                        + (f" (and {more} more)" if more else ""),
                        f"see {first.path}",
                    ),
                    (),
                )
            )
            return None
        assert run.output is not None
        env = run.outer_env(info)
        for name, node in run.bindings.items():  # tell the graph around it what it learnt
            _ = expressions.evaluate(ast.Name(name), env) == run.outer_node(node, env)
        out = run.output
        output = TensorType(
            tuple(run.outer(d, env) for d in out.shape), out.dtype, run.outer(out.vocab, env)
        )
        x = info.input_types[0]
        if info.repeat > 1 and output != x:
            problems.append(
                (
                    Problem(
                        body.where("nodes", info.index, "repeat"),
                        f"repeat {info.repeat} feeds each {definition.name}'s output into the "
                        f"next, but it turns {x.describe()} into {output.describe()}",
                        "use repeat 1 for the instance that changes the shape and repeat the "
                        "next one, or make the output fit the input",
                    ),
                    (),
                )
            )
            return None
        info.param_count = run.param_count * info.repeat
        info.buffer_count = run.buffer_count * info.repeat
        return output

    def _run(
        self, definition: Definition, params: dict[str, Any], input_types: list[TensorType]
    ) -> InstanceRun:
        values = {k: expressions.plain(v) for k, v in params.items()}
        plain_types = [
            TensorType(expressions.plain(x.shape), x.dtype, expressions.plain(x.vocab))
            for x in input_types
        ]
        key = (definition.name, tuple(values.items()), tuple(plain_types))
        found = self.memo.get(key)
        if found is not None:
            return found
        env = {
            p.name: Dim.named(values[p.name], p.name) if p.kind == "int" else values[p.name]
            for p in definition.params
        }
        inner = {
            name: symbolic(x, k)
            for k, (name, x) in enumerate(zip(definition.input_names, plain_types, strict=True))
        }
        assert definition.body is not None
        unifier = Unifier()
        with unifying(unifier):
            nodes, problems = infer_body(definition.body, inner, env, self, fresh=True)
        output_id = definition.body.output
        run = InstanceRun(
            definition,
            values,
            plain_types,
            nodes,
            nodes[output_id].output if output_id else None,
            problems,
            unifier.bindings,
        )
        self.memo[key] = run
        self.runs[definition.name].append(run)
        return run


def lift(tagged: list[Tagged]) -> list[Problem]:
    """The problems of the model, each found inside instances naming them (grouped)."""
    groups: dict[tuple[str, str, str], list[str]] = {}
    for problem, chain in tagged:
        chains = groups.setdefault((problem.path, problem.message, problem.hint), [])
        name = ".".join(chain)
        if name and name not in chains:
            chains.append(name)
    found = []
    for (path, message, hint), chains in groups.items():
        if chains:
            shown = ", ".join(chains[:MAX_CHAINS_SHOWN])
            if len(chains) > MAX_CHAINS_SHOWN:
                shown += f" and {len(chains) - MAX_CHAINS_SHOWN} more"
            label = "instance" if len(chains) == 1 else "instances"
            message = f"{message} (in {label} {shown})"
        found.append(Problem(path, message, hint))
    return found
