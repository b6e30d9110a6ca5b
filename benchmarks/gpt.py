"""The generated character-level GPT against a nanoGPT-style model and loop written by hand.

Both sides train the same architecture, read from the char-gpt example: token and position
embeddings, pre-norm Transformer blocks (a `TransformerBlock` definition repeated: causal
self-attention and a 4x GELU MLP) of width 128 with 4 heads, the example's dropout (0, as
nanoGPT's CPU recipe), a final LayerNorm and a linear head over 256 bytes. Same optimizer
(AdamW, lr 1e-3, betas (0.9, 0.99), weight decay 0.1 on weights only), gradient clipping at
1.0, block size 64 (a window every 64 bytes) and batch 64, on the same text. The generated
train.py runs as it is (its `train_one_epoch` timed); the hand-written side is nanoGPT's model
(`CausalSelfAttention` with one `c_attn` projection and
`scaled_dot_product_attention(is_causal=True)`) and a bare loop over the same windows. The
figure is training tokens per second.

Interleaved single steps give the same comparison in a form a shared machine cannot skew,
with a third model: the same GPT drawn with torch's `nn.TransformerEncoderLayer`.

The second table is the time of the shape analysis (`codegen.analysis.analyze`) of GPTs of 2
to 48 Transformer blocks, as a repeated definition and as separate layer nodes.

Run: `python -m benchmarks.run --only gpt` (add `--quick` for a smoke-sized run).
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import (
    Result,
    load_example,
    load_project,
    median,
    run_script,
    steady,
    with_changes,
    write_project,
)

AIM = 0.95
"""The generated GPT should train at least at 0.95x the hand-written one's tokens/s."""
WORDS = [
    "the",
    "of",
    "and",
    "to",
    "in",
    "is",
    "that",
    "for",
    "it",
    "as",
    "with",
    "be",
    "on",
    "not",
    "this",
    "by",
    "are",
    "or",
    "from",
    "at",
]


def write_text(folder: Path, characters: int) -> Path:
    """A text of words and lines (its content does not change the speed)."""
    rng = random.Random(0)
    lines, size = [], 0
    while size < characters:
        line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 12)))
        lines.append(line)
        size += len(line) + 1
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "python-docs.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def nano_gpt(
    vocab: int, block_size: int, width: int, heads: int, layers: int, dropout: float
) -> Any:
    """nanoGPT's GPT (model.py), trimmed to what the comparison needs."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    class CausalSelfAttention(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.c_attn = nn.Linear(width, 3 * width)
            self.c_proj = nn.Linear(width, width)
            self.dropout = nn.Dropout(dropout)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            batch, length, _ = x.size()
            q, k, v = self.c_attn(x).split(width, dim=2)
            q, k, v = (t.view(batch, length, heads, -1).transpose(1, 2) for t in (q, k, v))
            y = F.scaled_dot_product_attention(q, k, v, dropout_p=dropout if self.training else 0.0,
                                               is_causal=True)  # fmt: skip
            y = y.transpose(1, 2).contiguous().view(batch, length, width)
            return self.dropout(self.c_proj(y))

    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.ln_1, self.attn = nn.LayerNorm(width), CausalSelfAttention()
            self.ln_2 = nn.LayerNorm(width)
            self.mlp = nn.Sequential(
                nn.Linear(width, 4 * width),
                nn.GELU(),
                nn.Linear(4 * width, width),
                nn.Dropout(dropout),
            )

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            x = x + self.attn(self.ln_1(x))
            return x + self.mlp(self.ln_2(x))

    class GPT(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.wte, self.wpe = nn.Embedding(vocab, width), nn.Embedding(block_size, width)
            self.drop = nn.Dropout(dropout)
            self.blocks = nn.Sequential(*(Block() for _ in range(layers)))
            self.ln_f, self.lm_head = nn.LayerNorm(width), nn.Linear(width, vocab)

        def forward(self, ids: torch.Tensor) -> torch.Tensor:
            positions = torch.arange(ids.size(1), device=ids.device)
            x = self.drop(self.wte(ids) + self.wpe(positions))
            return self.lm_head(self.ln_f(self.blocks(x)))

    return GPT()


def hand_written_seconds(
    windows: tuple[Any, Any], settings: dict[str, Any], epochs: int, seed: int
) -> list[float]:
    """Seconds of each epoch of nanoGPT's training step over shuffled windows."""
    import torch
    import torch.nn.functional as F

    torch.manual_seed(seed)
    model = nano_gpt(**settings["model"])
    model.train()
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
        lr=1e-3,
        betas=(0.9, 0.99),
    )
    inputs, targets = windows
    batch, generator = settings["batch_size"], torch.Generator().manual_seed(seed)
    seconds = []
    for _ in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(len(inputs), generator=generator)
        for first in range(0, len(inputs), batch):
            index = order[first : first + batch]
            logits = model(inputs[index])
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets[index].view(-1))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
        seconds.append(time.perf_counter() - start)
    return seconds


def architecture(spec: dict[str, Any]) -> dict[str, Any]:
    """The settings of the nanoGPT-style model that equals the char-gpt `spec`: a repeated
    `TransformerBlock` of `CausalSelfAttention` and a 4x MLP."""
    nodes = {n["type"]: n for n in spec["nodes"]}
    blocks = nodes["TransformerBlock"]
    attention = next(
        n
        for n in spec["modules"]["TransformerBlock"]["nodes"]
        if n["type"] == "CausalSelfAttention"
    )
    return {
        "vocab": spec["input"]["vocab_size"],
        "block_size": spec["input"]["shape"][0],
        "width": nodes["Embedding"]["params"]["embedding_dim"],
        "heads": blocks["params"]["num_heads"],
        "layers": blocks.get("repeat", 1),
        "dropout": attention["params"].get("dropout", 0.0),
    }


def encoder_layer_spec(spec: dict[str, Any], blocks: int | None = None) -> dict[str, Any]:
    """The char-gpt `spec` with its blocks drawn as `blocks` torch `TransformerEncoderLayer`s
    (pre-norm, GELU, causal) in place of the `TransformerBlock` definition."""
    settings = architecture(spec)
    layer = {
        "type": "TransformerEncoderLayer",
        "params": {
            "nhead": settings["heads"],
            "dim_feedforward": 4 * settings["width"],
            "dropout": settings["dropout"],
            "activation": "gelu",
            "norm_first": True,
            "causal": True,
        },
    }
    spec = json.loads(json.dumps(spec))
    first = next(k for k, n in enumerate(spec["nodes"]) if n["type"] == "TransformerBlock")
    layers = [{"id": f"block{k}", **layer} for k in range(1, (blocks or settings["layers"]) + 1)]
    spec["nodes"][first : first + 1] = layers
    spec.pop("modules")
    return spec


def compare_training(quick: bool) -> dict[str, Any]:
    """Tokens/s of both sides, in alternating rounds (so that a change of load between them
    falls on both), each round `epochs` epochs a side; the median round decides."""
    import torch

    epochs, rounds = (2, 1) if quick else (3, 3)
    spec = with_changes(load_example("char-gpt"), epochs=epochs)
    # a window every block (the example's overlapping windows would make the full run
    # four times longer for the same tokens/s)
    spec["training"]["dataset"]["params"]["stride"] = spec["input"]["shape"][0]
    settings = {"model": architecture(spec), "batch_size": spec["training"]["batch_size"]}
    generated_seconds, by_hand_seconds = [], []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        data = write_text(work / "data", 40_000 if quick else 300_000)
        project = load_project(write_project(spec, work / "project"))
        (inputs, targets), _ = project.data.load_data(data, torch.device("cpu"), seed=0)
        for k in range(rounds):
            args = ["--data-dir", str(data), "--seed", "0"]
            generated = run_script(project, args, work / f"out{k}")
            generated_seconds.append(generated.train_seconds)
            by_hand = hand_written_seconds((inputs, targets), settings, epochs, seed=0)
            by_hand_seconds.append(by_hand)
    tokens = inputs.numel()
    generated_rates = [tokens / steady(seconds) for seconds in generated_seconds]
    hand_rates = [tokens / steady(seconds) for seconds in by_hand_seconds]
    return {
        "tokens_per_epoch": tokens,
        "dropout": settings["model"]["dropout"],
        "generated_seconds": generated_seconds,
        "hand_written_seconds": by_hand_seconds,
        "round_ratios": [g / h for g, h in zip(generated_rates, hand_rates, strict=True)],
        "generated_tokens_per_second": median(generated_rates),
        "hand_written_tokens_per_second": median(hand_rates),
        "epochs": epochs,
        "rounds": rounds,
    }


def interleaved_steps(quick: bool) -> dict[str, float]:
    """Milliseconds of one training step of each model, the models taking turns step by step.

    Steps of all models alternate, so the load of other processes falls on all alike: the
    figure that stays put on a shared machine. Beside the generated model and its
    nanoGPT-style equal, the same GPT drawn with torch's `TransformerEncoderLayer`.
    """
    import torch
    import torch.nn.functional as F

    example = load_example("char-gpt")
    settings = architecture(example)
    with tempfile.TemporaryDirectory() as tmp:
        torch.manual_seed(0)
        models = {
            "generated model": load_project(
                write_project(example, Path(tmp) / "blocks")
            ).model.build_model(),
            "nanoGPT-style model": nano_gpt(**settings),
            "generated model, with nn.TransformerEncoderLayer": load_project(
                write_project(encoder_layer_spec(example), Path(tmp) / "layers")
            ).model.build_model(),
        }
    optimizers = {name: torch.optim.AdamW(m.parameters(), lr=1e-3) for name, m in models.items()}
    vocab, block = settings["vocab"], settings["block_size"]
    generator = torch.Generator().manual_seed(0)
    ids = torch.randint(0, vocab, (64, block + 1), generator=generator)
    inputs, targets = ids[:, :-1], ids[:, 1:]
    times: dict[str, list[float]] = {name: [] for name in models}
    for _ in range(10 if quick else 40):
        for name, model in models.items():
            model.train()
            start = time.perf_counter()
            logits = model(inputs)
            loss = F.cross_entropy(logits.reshape(-1, vocab), targets.reshape(-1))
            optimizers[name].zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizers[name].step()
            times[name].append(time.perf_counter() - start)
    return {name: median(seconds[3:]) * 1000 for name, seconds in times.items()}


def gpt_spec(blocks: int) -> dict[str, Any]:
    """The char-gpt example with `blocks` Transformer blocks (its definition repeated)."""
    spec = load_example("char-gpt")
    next(n for n in spec["nodes"] if n["type"] == "TransformerBlock")["repeat"] = blocks
    return spec


def analysis_times(quick: bool) -> list[dict[str, Any]]:
    """Median time of `analyze` for GPTs of 2 to 48 blocks: the example with its definition
    repeated, and the same depth as that many separate TransformerEncoderLayer nodes."""
    from codegen.analysis import analyze

    def timed(spec: dict[str, Any]) -> float:
        repeats = []
        for _ in range(3 if quick else 15):
            start = time.perf_counter()
            analysis = analyze(spec)
            repeats.append(time.perf_counter() - start)
        assert analysis.valid, analysis.problems
        return median(repeats)

    rows = []
    for blocks in (2, 6) if quick else (2, 6, 12, 24, 48):
        layers = encoder_layer_spec(load_example("char-gpt"), blocks)
        rows.append(
            {
                "blocks": blocks,
                "seconds": timed(gpt_spec(blocks)),
                "layer_nodes": len(layers["nodes"]),
                "layers_seconds": timed(layers),
            }
        )
    return rows


def run(quick: bool = False) -> Result:
    training = compare_training(quick)
    analysis = analysis_times(quick)
    steps = interleaved_steps(quick)
    speed = training["generated_tokens_per_second"] / training["hand_written_tokens_per_second"]
    baseline = steps["nanoGPT-style model"]
    rows: list[list[Any]] = [
        ["generated train.py", f"{training['generated_tokens_per_second']:,.0f}", f"{speed:.2f}x"],
        ["nanoGPT-style, by hand", f"{training['hand_written_tokens_per_second']:,.0f}", "1.00x"],
        *(
            [
                f"{name}, one step, interleaved",
                f"{64 * 64 / ms * 1000:,.0f}",
                f"{baseline / ms:.2f}x",
            ]
            for name, ms in steps.items()
        ),
    ]
    notes = [
        f"{training['tokens_per_epoch']:,} tokens per epoch, dropout {training['dropout']},"
        f" {training['rounds']} alternating rounds of {training['epochs']} epochs a side, median"
        f" over rounds of the median of epochs 2..{training['epochs']}; ratio by round: "
        + ", ".join(f"{r:.2f}x" for r in training["round_ratios"])
        + f"; aim: at least {AIM:.2f}x ({'met' if speed >= AIM else 'not met'})",
        "shape analysis, the definition repeated: "
        + ", ".join(f"{r['blocks']} blocks {r['seconds'] * 1000:.2f} ms" for r in analysis),
        "shape analysis, as separate TransformerEncoderLayer nodes: "
        + ", ".join(
            f"{r['blocks']} blocks ({r['layer_nodes']} nodes) {r['layers_seconds'] * 1000:.2f} ms"
            f" ({r['layers_seconds'] / r['blocks'] * 1e6:.0f} µs a block)"
            for r in analysis
        ),
    ]
    return Result(
        name="gpt",
        title="Character-level GPT: training tokens per second (CPU)",
        headers=["training", "tokens/s", "vs hand-written"],
        rows=rows,
        notes=notes,
        data={"training": training, "steps_ms": steps, "analysis": analysis, "aim": AIM},
    )
