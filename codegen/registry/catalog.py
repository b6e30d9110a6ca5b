"""The catalog: the registry as the editor reads it (`GET /api/catalog`), as pydantic models.

These models are the one description of the catalog: the API serves them, the OpenAPI
document publishes their schema, and the editor's TypeScript types are generated from
that document. `catalog()` builds the catalog from the registry entries.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..params import Param, ParamKind
from ..spec_graph import InputSpec, ModuleSpec
from .base import Block, Category, Component, DType
from .categories import CATEGORIES
from .datasets import BYTE_VOCAB, Dataset
from .training import Loss, Scheduler

CATEGORY_COLOURS = {c.name: c.colour for c in CATEGORIES}


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CatalogParam(_Out):
    """One parameter of a block or training component, for the editor's forms."""

    name: str
    kind: ParamKind = Field(description="int_tuple: an int or `length` ints; int_list: any "
                            "number of ints; float_tuple: `length` floats")  # fmt: skip
    default: Any = Field(description="null when required (or when null is the default)")
    required: bool
    inferred: bool = Field(description="filled from the incoming shape (see /api/validate)")
    min: int | float | None
    max: int | float | None
    exclusive_min: bool = Field(description="`min` itself is not allowed")
    choices: list[Any] | None = Field(description="the allowed values of a `choice`")
    length: int | None = Field(description="the length of an int_tuple or float_tuple")
    nullable: bool = Field(description="null is allowed")
    data_path: bool = Field(
        description="a file or folder of the dataset: relative to the generated code's "
        "--data-dir, with no '..' (absolute paths get 422)"
    )
    doc: str

    @classmethod
    def of(cls, param: Param) -> CatalogParam:
        default = None if param.required else param.default
        return cls(
            name=param.name,
            kind=param.kind,
            default=list(default) if isinstance(default, tuple) else default,
            required=param.required,
            inferred=param.inferred,
            min=param.min,
            max=param.max,
            exclusive_min=param.exclusive_min,
            choices=list(param.choices) if param.choices is not None else None,
            length=param.length,
            nullable=param.nullable,
            data_path=param.data_path,
            doc=param.doc,
        )


def _params(params: tuple[Param, ...]) -> list[CatalogParam]:
    return [CatalogParam.of(p) for p in params]


class CatalogCategory(_Out):
    """A palette group and the colour that marks its blocks."""

    name: str
    colour: str = Field(description="CSS colour, e.g. #2f81f7")
    doc: str

    @classmethod
    def of(cls, category: Category) -> CatalogCategory:
        return cls(name=category.name, colour=category.colour, doc=category.doc)


class CatalogBlock(_Out):
    """A layer the editor offers (a node type of the spec)."""

    type: str
    category: str
    colour: str = Field(description="its category's colour")
    doc: str
    min_inputs: int
    max_inputs: int | None = Field(description="null: any number (merges)")
    slots: list[str] = Field(description="names of ordered inputs (e.g. query, key, value); "
                             "the k-th incoming edge is input k")  # fmt: skip
    accepts: list[DType] = Field(description="the input dtypes it takes")
    key_params: list[str] = Field(description="shown on the node face")
    params: list[CatalogParam]

    @classmethod
    def of(cls, block: Block) -> CatalogBlock:
        return cls(
            type=block.type,
            category=block.category,
            colour=CATEGORY_COLOURS[block.category],
            doc=block.doc,
            min_inputs=block.inputs.min,
            max_inputs=block.inputs.max,
            slots=list(block.inputs.slots),
            accepts=list(block.accepts),
            key_params=list(block.key_params),
            params=_params(block.params),
        )


class CatalogComponent(_Out):
    """An optimizer, initialisation or augmentation, chosen by `type`."""

    type: str
    doc: str
    params: list[CatalogParam]

    @classmethod
    def of(cls, component: Component) -> CatalogComponent:
        return cls(type=component.type, doc=component.doc, params=_params(component.params))


class CatalogLoss(CatalogComponent):
    task: str = Field(description="the task the loss fits: classification, regression, binary")

    @classmethod
    def of(cls, component: Component) -> CatalogLoss:
        assert isinstance(component, Loss)
        return cls(**CatalogComponent.of(component).model_dump(), task=component.task)


class CatalogScheduler(CatalogComponent):
    step: str = Field(description="when the scheduler steps: epoch, batch or val_loss")

    @classmethod
    def of(cls, component: Component) -> CatalogScheduler:
        assert isinstance(component, Scheduler)
        return cls(**CatalogComponent.of(component).model_dump(), step=component.step)


class CatalogDataset(_Out):
    """A dataset kind of `training.dataset`."""

    kind: str
    title: str
    doc: str
    task: str | None = Field(description="classification or regression; null: set by a "
                             "parameter (the CSV's task, the toy set's name)")  # fmt: skip
    in_memory: bool = Field(description="batched from tensors on the device, no DataLoader")
    shape: list[int] | None = Field(None, description="the sample shape, when fixed")
    classes: int | None = Field(None, description="the number of classes, when fixed")
    params: list[CatalogParam]

    @classmethod
    def of(cls, dataset: Dataset) -> CatalogDataset:
        defaults = {p.name: p.default for p in dataset.params if not p.required}
        expected = dataset.expects(defaults)
        return cls(
            kind=dataset.kind,
            title=dataset.title,
            doc=dataset.doc,
            task=dataset.task,
            in_memory=dataset.in_memory,
            shape=list(expected.shapes[0]) if len(expected.shapes) == 1 else None,
            classes=expected.classes if len(expected.shapes) == 1 else None,
            params=_params(dataset.params),
        )


class LibraryDefinition(_Out):
    """A definition of the built-in library: dropping it into a model adds `definition` to
    the spec's `modules` under `name`, and an instance of it."""

    name: str = Field(description="the key it takes in `modules`, and its class in model.py")
    title: str
    doc: str
    tags: list[str]
    input: InputSpec = Field(description="an input it fits, e.g. for a preview")
    params: dict[str, Any] = Field(description="instance parameters that fit `input`")
    definition: ModuleSpec


class TrainingDefaults(_Out):
    """What a new model's training section starts from."""

    dataset: str = Field(description="the default dataset kind")
    optimizer: str = Field(description="the default optimizer type")


class Catalog(_Out):
    """`GET /api/catalog`: the registry; the editor renders it generically."""

    categories: list[CatalogCategory]
    blocks: list[CatalogBlock]
    losses: list[CatalogLoss]
    optimizers: list[CatalogComponent]
    schedulers: list[CatalogScheduler]
    inits: list[CatalogComponent]
    datasets: list[CatalogDataset]
    augmentations: list[CatalogComponent]
    training_fields: list[CatalogParam] = Field(description="the fields of `training`")
    early_stopping_fields: list[CatalogParam] = Field(
        description="the fields of `training.early_stopping`"
    )
    input_fields: list[CatalogParam] = Field(
        description="the fields of `input` besides its shape: `dtype`, then `vocab_size`"
    )
    library: list[LibraryDefinition] = Field(
        description="common definitions (ResNet blocks, a Transformer block, ...) for the palette"
    )
    defaults: TrainingDefaults


def _input_fields() -> list[CatalogParam]:
    """`input.dtype` and `input.vocab_size` as form fields, read from `InputSpec`'s schema; a
    token input starts from the byte-level vocabulary of the text datasets."""
    fields = InputSpec.model_json_schema()["properties"]
    dtype, vocab = fields["dtype"], fields["vocab_size"]["anyOf"][0]
    return _params(
        (
            Param(
                "dtype",
                "choice",
                dtype["default"],
                dtype["description"],
                choices=tuple(dtype["enum"]),
            ),
            Param(
                "vocab_size",
                "int",
                BYTE_VOCAB,
                fields["vocab_size"]["description"],
                min=vocab["minimum"],
                max=vocab["maximum"],
            ),
        )
    )


@cache
def build_catalog() -> Catalog:
    """The catalog of the registry (built once: the registry does not change at run time)."""
    from ..library import library_entries
    from ..spec import DatasetSpec, OptimizerSpec
    from . import (
        AUGMENTATIONS,
        BLOCKS,
        DATASETS,
        EARLY_STOPPING_FIELDS,
        INITS,
        LOSSES,
        OPTIMIZERS,
        SCHEDULERS,
        TRAINING_FIELDS,
    )

    names = [c.name for c in CATEGORIES]
    blocks = sorted(BLOCKS.values(), key=lambda b: names.index(b.category))
    return Catalog(
        categories=[CatalogCategory.of(c) for c in CATEGORIES],
        blocks=[CatalogBlock.of(b) for b in blocks],
        losses=[CatalogLoss.of(c) for c in LOSSES],
        optimizers=[CatalogComponent.of(c) for c in OPTIMIZERS],
        schedulers=[CatalogScheduler.of(c) for c in SCHEDULERS],
        inits=[CatalogComponent.of(c) for c in INITS],
        datasets=[CatalogDataset.of(d) for d in DATASETS],
        augmentations=[CatalogComponent.of(c) for c in AUGMENTATIONS],
        training_fields=_params(TRAINING_FIELDS),
        early_stopping_fields=_params(EARLY_STOPPING_FIELDS),
        input_fields=_input_fields(),
        library=[LibraryDefinition.model_validate(e) for e in library_entries()],
        defaults=TrainingDefaults(dataset=DatasetSpec().kind, optimizer=OptimizerSpec().type),
    )
