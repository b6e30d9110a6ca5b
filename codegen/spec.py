"""The model spec, format `torchcanvas.model` version 1 (its field names are fixed: docs/spec.md).

`parse_spec` turns JSON data into a `ModelSpec` or a list of every structural problem.
Values of block parameters are checked later, against the registry (see `analysis`).
"""

from __future__ import annotations

import difflib
import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field, ValidationError, create_model

from .params import Param, has_lone_surrogate
from .problems import Problem, pointer
from .registry import EARLY_STOPPING_FIELDS, TRAINING_FIELDS
from .spec_graph import (
    MAX_DEFINITIONS,
    MAX_EDGES,
    MAX_NODES,
    EdgeSpec,
    InputSpec,
    ModuleParam,
    ModuleSpec,
    NodeSpec,
    Position,
    effective_edges,
)
from .spec_graph import Strict as _Strict

FORMAT = "torchcanvas.model"
VERSION = 1
MAX_TEXT_PROBLEMS = 20

__all__ = [
    "MAX_EDGES",
    "MAX_NODES",
    "ModuleParam",
    "ModuleSpec",
    "EdgeSpec",
    "InputSpec",
    "ModelSpec",
    "NodeSpec",
    "Position",
    "TrainingSpec",
    "json_schema",
    "parse_spec",
]


class Component(_Strict):
    """A training component chosen by type name (loss, scheduler, init, augmentation)."""

    type: Annotated[str, Field(max_length=64)]
    params: dict[str, Any] = Field(default_factory=dict)


class OptimizerSpec(Component):
    type: Annotated[str, Field(max_length=64)] = "Adam"
    exempt_bias_and_norm: bool = Field(
        default=False,
        description="Apply weight decay to weights only, not to biases and normalisation "
        "parameters (two parameter groups).",
    )


class DatasetSpec(_Strict):
    kind: Annotated[str, Field(max_length=64)] = "synthetic-regression"
    params: dict[str, Any] = Field(default_factory=dict)


def _annotation(param: Param) -> Any:
    """A pydantic type for a registry parameter (used for the training fields)."""
    bounds: dict[str, Any] = {}
    if param.min is not None:
        bounds["gt" if param.exclusive_min else "ge"] = param.min
    if param.max is not None:
        bounds["le"] = param.max
    base: Any
    if param.kind == "int":
        base = Annotated[int, Field(**bounds)]
    elif param.kind == "float":
        base = Annotated[float, Field(allow_inf_nan=False, **bounds)]
    elif param.kind == "bool":
        base = bool
    elif param.kind == "choice":
        base = Literal[param.choices]  # type: ignore[valid-type]
    else:
        raise AssertionError(f"no annotation for training field kind {param.kind}")
    if param.nullable:
        base = base | None
    return base


def _fields(params: tuple[Param, ...]) -> dict[str, Any]:
    return {p.name: (_annotation(p), Field(default=p.default, description=p.doc)) for p in params}


TrainingBase = create_model(  # type: ignore[call-overload]
    "TrainingBase", __base__=_Strict, **_fields(TRAINING_FIELDS)
)
EarlyStopping = create_model(  # type: ignore[call-overload]
    "EarlyStopping",
    __base__=_Strict,
    __doc__="Stop when the validation loss has not improved for `patience` epochs.",
    **_fields(EARLY_STOPPING_FIELDS),
)


class TrainingSpec(TrainingBase):  # type: ignore[misc, valid-type]
    """How to train; every field has a default."""

    dataset: DatasetSpec = Field(default_factory=DatasetSpec)
    loss: Component | None = Field(default=None, description="Default: by task (MSE / CE).")
    optimizer: OptimizerSpec = Field(default_factory=OptimizerSpec)
    scheduler: Component | None = None
    init: Component | None = None
    early_stopping: EarlyStopping | None = None  # type: ignore[valid-type]
    augmentations: Annotated[list[Component], Field(max_length=16)] = Field(default_factory=list)


def _exactly_one(value: Any) -> Any:
    """`true` and `1.0` equal 1 in Python; the schema says the integer 1."""
    if type(value) is not int:
        raise ValueError(f"unsupported version {value!r}")
    return value


class ModelSpec(_Strict):
    """A whole model: input, layer graph, output and (optionally) how to train it."""

    format: Literal["torchcanvas.model"] = FORMAT
    version: Annotated[Literal[1], BeforeValidator(_exactly_one)] = VERSION
    name: Annotated[str, Field(min_length=1, max_length=120)] = "Model"
    description: Annotated[str, Field(max_length=10_000)] = ""
    tags: Annotated[list[Annotated[str, Field(max_length=40)]], Field(max_length=20)] = Field(
        default_factory=list
    )
    input: InputSpec
    nodes: Annotated[list[NodeSpec], Field(min_length=1, max_length=MAX_NODES)]
    edges: Annotated[list[EdgeSpec], Field(max_length=MAX_EDGES)] | None = None
    output: Annotated[str, Field(max_length=64)] | None = None
    training: TrainingSpec | None = None
    modules: Annotated[dict[str, ModuleSpec], Field(max_length=MAX_DEFINITIONS)] = Field(
        default_factory=dict,
        description="reusable blocks by name (CamelCase); a node whose type is one of these "
        "names is an instance of it",
    )
    layout: dict[str, Position] = Field(default_factory=dict)

    def effective_edges(self) -> list[EdgeSpec]:
        """The edges, or a sequential stack in list order when none are given."""
        return effective_edges(self.edges, "input", self.nodes)

    def effective_training(self) -> TrainingSpec:
        return self.training if self.training is not None else TrainingSpec()


def json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of the spec format."""
    schema = ModelSpec.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://torchcanvas.dev/schema/torchcanvas.model.v1.json"
    schema["title"] = "TorchCanvas model spec (torchcanvas.model v1)"
    return schema


def parse_spec(data: Any) -> tuple[ModelSpec | None, list[Problem]]:
    """Validate the structure of `data`; return the spec or every problem found."""
    if not isinstance(data, dict):
        return None, [
            Problem(
                "",
                "a model spec must be a JSON object",
                'start from {"format": "torchcanvas.model", ...}',
            )
        ]
    unusable = unusable_values(data)
    if unusable:
        return None, unusable
    try:
        return ModelSpec.model_validate(data), []
    except ValidationError as exc:
        return None, [_problem(err, data) for err in exc.errors(include_url=False)]


def unusable_values(value: Any, path: tuple[Any, ...] = ()) -> list[Problem]:
    """Values no field may hold, wherever they are: non-finite numbers (1e400 parses as
    infinity) and text with a lone UTF-16 surrogate (valid JSON, not valid Unicode)."""
    found: list[Problem] = []
    stack: list[tuple[Any, tuple[Any, ...]]] = [(value, path)]
    while stack and len(found) < MAX_TEXT_PROBLEMS:
        item, where = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            found.append(
                Problem(
                    pointer(*where),
                    "the number is not finite (infinity or NaN)",
                    "use a finite number; numbers beyond about 1.8e308 overflow to infinity",
                )
            )
        elif isinstance(item, str) and has_lone_surrogate(item):
            found.append(
                Problem(
                    pointer(*where),
                    "the text contains an unpaired UTF-16 surrogate (not valid Unicode)",
                    "escape only complete characters, e.g. \\ud83d\\ude00, or remove it",
                )
            )
        elif isinstance(item, dict):
            for key, child in reversed(item.items()):
                if isinstance(key, str) and has_lone_surrogate(key):
                    stack.append((key, (*where, key)))
                stack.append((child, (*where, key)))
        elif isinstance(item, list):
            stack.extend((child, (*where, i)) for i, child in reversed(list(enumerate(item))))
    return found


def _problem(err: dict[str, Any], data: Any) -> Problem:
    loc = list(err["loc"])
    # pydantic adds the union member tag (e.g. "int", "none") to some locations
    loc = [p for p in loc if not (isinstance(p, str) and (p in _TAGS or p.startswith("literal[")))]
    kind = err["type"]
    path = pointer(*loc)
    field = loc[-1] if loc else ""
    if kind == "missing":
        return Problem(path, f"'{field}' is required", f"add the field '{field}'")
    if kind == "extra_forbidden":
        known = _known_fields(loc[:-1], data)
        if "params" in known:
            return Problem(path, f"unknown field '{field}'", f"move '{field}' into 'params'")
        close = difflib.get_close_matches(str(field), known, n=1)
        hint = (
            f"did you mean '{close[0]}'?"
            if close
            else "remove it; known fields: " + ", ".join(known)
        )
        return Problem(path, f"unknown field '{field}'", hint)
    if kind == "literal_error" and field == "format":
        return Problem(
            path, "this is not a TorchCanvas model (format must be 'torchcanvas.model')", ""
        )
    if kind in ("literal_error", "value_error") and field == "version":
        return Problem(
            path, f"unsupported version {err.get('input')!r}", "this app reads version 1"
        )
    message = err["msg"]
    if message.startswith("Input should be a valid "):
        noun = message.removeprefix("Input should be a valid ")
        message = ("must be an " if noun[:1] in "aeiou" else "must be a ") + noun
    elif message.startswith("Input should be "):
        message = "must be " + message.removeprefix("Input should be ")
    if isinstance(field, int):
        named = next((p for p in reversed(loc) if isinstance(p, str)), "")
        subject = f"entry {field} of '{named}'"
    else:
        subject = f"'{field}'"
    return Problem(path, f"{subject} {message}" if field != "" else message, _hint(kind))


_TAGS = {"int", "float", "bool", "str", "none", "list[str]", "function-after", "constrained-int"}


def _hint(kind: str) -> str:
    return {
        "int_type": "use a whole number",
        "float_type": "use a number",
        "bool_type": "use true or false",
        "string_type": "use a string in double quotes",
        "list_type": "use a JSON list [...]",
        "dict_type": "use a JSON object {...}",
        "model_type": "use a JSON object {...}",
        "too_short": "add entries",
        "too_long": "remove entries",
        "string_too_long": "shorten it",
        "string_too_short": "it must not be empty",
        "greater_than_equal": "use a larger value",
        "greater_than": "use a larger value",
        "less_than_equal": "use a smaller value",
        "literal_error": "use one of the values listed",
        "finite_number": "use a finite number",
    }.get(kind, "")


def _known_fields(loc: list[Any], data: Any) -> list[str]:
    model: Any = ModelSpec
    keyed = False  # the last field maps names to objects (modules): skip the name
    for part in loc:
        if isinstance(part, int) or keyed:
            keyed = False
            continue
        field = model.model_fields.get(part) if hasattr(model, "model_fields") else None
        if field is None:
            return []
        keyed = "dict[" in str(field.annotation)
        model = _model_of(field.annotation)
    return sorted(model.model_fields) if hasattr(model, "model_fields") else []


def _model_of(annotation: Any) -> Any:
    """Find the BaseModel class inside an annotation such as `list[X] | None`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_of(arg)
        if found is not None:
            return found
    origin = getattr(annotation, "__origin__", None)
    if origin is Annotated:  # pragma: no cover - handled through __args__
        return _model_of(annotation.__args__[0])
    return None
