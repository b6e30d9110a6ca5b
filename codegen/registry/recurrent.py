"""Recurrent blocks: RNN, LSTM and GRU over sequences (L, E), batch first.

Generated code keeps the per-step outputs of `(output, h_n)` / `(output, (h_n, c_n))`:
`self.lstm(x)[0]` is (N, L, hidden_size * directions); add `LastStep` or `Mean` to pool it.
"""

from __future__ import annotations

from ..params import REQUIRED, Param
from ..problems import ShapeError
from .base import Block, Code, Module, Params, Shape, TensorType
from .rules import check_inferred, expect_sequence, single

GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}


def _rule(block: str):
    def rule(params: Params, inputs: list[TensorType]) -> Shape:
        hint = "use it after an Embedding, or Transpose (C, L) features to (L, C)"
        shape = expect_sequence(block, single(inputs), hint)
        check_inferred(params, "input_size", shape[1])
        if params["dropout"] and params["num_layers"] == 1:
            raise ShapeError(
                f"{block}'s dropout acts between stacked layers, and there is one layer",
                "set num_layers to 2 or more, or add a Dropout block after it",
                param="dropout",
            )
        directions = 2 if params["bidirectional"] else 1
        return (shape[0], params["hidden_size"] * directions)

    return rule


def _count(block: str):
    def count(params: Params, inputs: list[TensorType]) -> int:
        gates, hidden = GATES[block], params["hidden_size"]
        directions = 2 if params["bidirectional"] else 1
        total = 0
        for layer in range(params["num_layers"]):
            width = inputs[0].shape[1] if layer == 0 else hidden * directions
            per_direction = gates * hidden * (width + hidden)
            if params["bias"]:
                per_direction += 2 * gates * hidden
            total += per_direction * directions
        return total

    return count


def _outputs(module: str, args: list[str], params: Params) -> Code:
    return Code(f"{module}({args[0]})[0]")


def recurrent_block(block: str, doc: str) -> Block:
    params = [
        Param(
            "input_size",
            "int",
            None,
            "Features per step E (inferred).",
            min=1,
            inferred=True,
            positional=True,
        ),
        Param(
            "hidden_size", "int", REQUIRED, "Features of the hidden state.", min=1, positional=True
        ),
        Param("num_layers", "int", 1, "Stacked layers.", min=1, max=64),
    ]
    if block == "RNN":
        params.append(
            Param(
                "nonlinearity",
                "choice",
                "tanh",
                "Non-linearity of the cell.",
                choices=("tanh", "relu"),
            )
        )
    params += [
        Param("bias", "bool", True, "Learn biases."),
        Param(
            "dropout",
            "float",
            0.0,
            "Dropout on the outputs of each layer but the last (needs num_layers > 1).",
            min=0.0,
            max=1.0,
        ),
        Param(
            "bidirectional", "bool", False, "Also run the sequence backwards (doubles the width)."
        ),
    ]
    return Block(
        type=block,
        category="Recurrent",
        doc=doc,
        params=tuple(params),
        shape=_rule(block),
        infer=lambda p, x: {"input_size": x[0].shape[1]},
        count=_count(block),
        key_params=("hidden_size", "num_layers"),
        emission=Module(fixed=(("batch_first", "True"),), call=_outputs),
    )


BLOCKS = (
    recurrent_block("RNN", "Elman RNN over (L, E): every step's hidden state, (L, hidden)."),
    recurrent_block(
        "LSTM", "Long short-term memory over (L, E): every step's output, (L, hidden)."
    ),
    recurrent_block("GRU", "Gated recurrent unit over (L, E): every step's output, (L, hidden)."),
)
