"""The editor at scale: Playwright in Debian's headless Chromium, timing inside the page.

Models: flat chains of 50, 200 and 500 blocks (Linear, ReLU and LayerNorm repeating) and
ResNet-50 expanded into its 175 layer blocks (bottlenecks, downsampling, Adds). For each:

- edit -> shapes: from the `input` event of a Linear's `out_features` field to the block's
  new output shape on the canvas (validation after the editor's debounce, `POST
  /api/validate`, React's render), measured with `performance.now()` and a MutationObserver;
- edit -> code: the same edit to the new line in the code preview (`POST
  /api/generate?format=json`, highlighting);
- layout: the ELK run of the Auto-layout command (the `torchcanvas:layout` measure the
  editor records), the worker round trip included.

The baseline is the 50-block chain in the same run: the table shows how each time grows
with the number of blocks. Aims (issue 11): shapes within 150 ms and code within 400 ms at
200 blocks.

Run: `python -m benchmarks.run --only editor` (add `--quick` for a smoke-sized run).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.common import Result, median
from benchmarks.http import free_port, start_server

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SIZES = (50, 200, 500)
WIDTH = 64
REPEATS = 7
AIMS = {"shapes": 150.0, "code": 400.0}

TRAINING = {
    "dataset": {"kind": "synthetic-regression"},
    "loss": {"type": "MSELoss"},
    "optimizer": {"type": "Adam", "params": {"lr": 0.001}},
}


def spec(name: str, shape: list[int], nodes: list[dict[str, Any]], **rest: Any) -> dict[str, Any]:
    return {
        "format": "torchcanvas.model",
        "version": 1,
        "name": name,
        "input": {"shape": shape},
        "nodes": nodes,
        **rest,
    }


def chain(blocks: int) -> dict[str, Any]:
    """Linear, ReLU, LayerNorm, ... (`blocks` of them) on 64 features."""
    kinds = [
        ("linear", "Linear", {"out_features": WIDTH}),
        ("relu", "ReLU", {}),
        ("norm", "LayerNorm", {}),
    ]
    nodes = []
    for k in range(blocks):
        prefix, kind, params = kinds[k % 3]
        nodes.append({"id": f"{prefix}_{k}", "type": kind, "params": params})
    return spec(f"Chain of {blocks}", [WIDTH], nodes, training=TRAINING)


def resnet50() -> dict[str, Any]:
    """torchvision's resnet50() as flat blocks: 175 nodes, 25,557,032 parameters."""
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, str]] = []

    def add(node_id: str, kind: str, source: str | list[str], **params: Any) -> str:
        nodes.append({"id": node_id, "type": kind, **({"params": params} if params else {})})
        for s in [source] if isinstance(source, str) else source:
            edges.append({"source": s, "target": node_id})
        return node_id

    x = add(
        "conv1", "Conv2d", "input", out_channels=64, kernel_size=7, stride=2, padding=3, bias=False
    )
    x = add("bn1", "BatchNorm2d", x)
    x = add("relu", "ReLU", x)
    x = add("maxpool", "MaxPool2d", x, kernel_size=3, stride=2, padding=1)
    for stage, (blocks, planes) in enumerate([(3, 64), (4, 128), (6, 256), (3, 512)], start=1):
        for b in range(blocks):
            name, stride = f"layer{stage}_{b}", 2 if b == 0 and stage > 1 else 1
            y = add(f"{name}_conv1", "Conv2d", x, out_channels=planes, kernel_size=1, bias=False)
            y = add(f"{name}_bn1", "BatchNorm2d", y)
            y = add(f"{name}_relu1", "ReLU", y)
            y = add(f"{name}_conv2", "Conv2d", y, out_channels=planes, kernel_size=3,
                    stride=stride, padding=1, bias=False)  # fmt: skip
            y = add(f"{name}_bn2", "BatchNorm2d", y)
            y = add(f"{name}_relu2", "ReLU", y)
            y = add(
                f"{name}_conv3", "Conv2d", y, out_channels=4 * planes, kernel_size=1, bias=False
            )
            y = add(f"{name}_bn3", "BatchNorm2d", y)
            skip = x
            if b == 0:
                skip = add(f"{name}_down", "Conv2d", x, out_channels=4 * planes, kernel_size=1,
                           stride=stride, bias=False)  # fmt: skip
                skip = add(f"{name}_down_bn", "BatchNorm2d", skip)
            y = add(f"{name}_add", "Add", [y, skip])
            x = add(f"{name}_out", "ReLU", y)
    x = add("avgpool", "AdaptiveAvgPool2d", x, output_size=1)
    x = add("flatten", "Flatten", x)
    add("fc", "Linear", x, out_features=1000)
    return spec("ResNet-50 expanded", [3, 224, 224], nodes, edges=edges)  # a model only


# In the page: change a field as typing does (then maybe click a button), and time until
# the watched element's text holds `expected`; with the last request to `api` meanwhile
# (from the resource timing entries): when it was sent and when its answer was in.
EDIT_JS = """
async ({ field, value, then, watch, expected, api }) => {
  const input = document.querySelector(field);
  const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
  const target = document.querySelector(watch);
  return await new Promise((resolve, reject) => {
    const timeout = setTimeout(() => reject(new Error(`${watch} never showed ${expected}`)), 60000);
    const start = performance.now();
    const observer = new MutationObserver(() => {
      if ((target.textContent || '').includes(expected)) {
        const total = performance.now() - start;
        observer.disconnect();
        clearTimeout(timeout);
        const sent = performance.getEntriesByType('resource')
          .filter((e) => e.name.includes(api) && e.startTime >= start);
        const last = sent[sent.length - 1];
        resolve({ total, sent: last.startTime - start, answered: last.responseEnd - start });
      }
    });
    observer.observe(target, { subtree: true, childList: true, characterData: true });
    setter.call(input, value);
    input.dispatchEvent(new Event('input', { bubbles: true }));
    if (then) document.querySelector(then).click();
  });
}
"""

LAST_LAYOUT_JS = """
() => {
  const runs = performance.getEntriesByName('torchcanvas:layout');
  return runs.length ? runs[runs.length - 1].duration : null;
}
"""
FIELD = ".side [data-param='out_features'] input"
TAB = ".side .tabs [role=tab]:nth-child({})"  # Block, Training, Code


def settle(page: Any) -> None:
    page.wait_for_function(
        "() => document.querySelector('[data-testid=canvas]')?.dataset.layout === 'done' && "
        "document.querySelector('[data-testid=validity]')?.textContent !== 'checking…'",
        timeout=120_000,
    )


def open_block(page: Any, block: str) -> None:
    page.evaluate(
        "(id) => document.querySelector(`[data-testid=node-${id}]`)"
        ".dispatchEvent(new MouseEvent('click', { bubbles: true }))",
        block,
    )
    page.locator(TAB.format(1)).click()
    page.wait_for_selector(FIELD)


def measure(
    page: Any, folder: Path, model: dict[str, Any], block: str, fan_in: int, repeats: int
) -> dict[str, list[float]]:
    """Open `model`; time edits of `block`'s out_features (a Linear taking `fan_in`
    features) to its new shape, and to its new line of code; time the layout."""
    path = folder / f"{model['name']}.json"
    path.write_text(json.dumps(model))
    page.get_by_test_id("open-file").set_input_files(str(path))
    settle(page)
    first_layout = page.evaluate(LAST_LAYOUT_JS)
    out = next(n for n in model["nodes"] if n["id"] == block)["params"]["out_features"]
    times: dict[str, list[float]] = {}

    def timed(kind: str, api: str, edit: dict[str, Any]) -> None:
        got = page.evaluate(EDIT_JS, {**edit, "field": FIELD, "api": api})
        times.setdefault(kind, []).append(got["total"])
        times.setdefault(f"{kind}_sent", []).append(got["sent"])
        times.setdefault(f"{kind}_answered", []).append(got["answered"])
        settle(page)

    for k in range(repeats):
        open_block(page, block)
        value = str(out + 1 + k)
        watch = f"[data-testid=node-{block}] [data-testid=shape]"
        timed("shapes", "/api/validate", {"value": value, "then": None, "watch": watch,
                                          "expected": f"({value})"})  # fmt: skip
    for k in range(repeats):
        open_block(page, block)
        value = str(out + 100 + k)
        timed("code", "/api/generate", {"value": value, "then": TAB.format(3), "watch": ".side",
                                        "expected": f"nn.Linear({fan_in}, {value})"})  # fmt: skip
    times["layout"] = []
    for _ in range(repeats):
        before = page.evaluate("() => performance.getEntriesByName('torchcanvas:layout').length")
        page.locator(".toolbar").get_by_role("button", name="Auto-layout").click()
        page.wait_for_function(
            f"() => performance.getEntriesByName('torchcanvas:layout').length > {before}",
            timeout=120_000,
        )
        settle(page)
        times["layout"].append(page.evaluate(LAST_LAYOUT_JS))
    times["first_layout"] = [first_layout]
    return times


def cases(quick: bool) -> list[tuple[str, dict[str, Any], str, int]]:
    """(label, model, the Linear to edit, its fan-in)."""
    sizes = (12, 24) if quick else SIZES
    found = [(f"chain of {n}", chain(n), f"linear_{3 * (n // 6)}", WIDTH) for n in sizes]
    if not quick:
        found.append(("ResNet-50 expanded", resnet50(), "fc", 2048))
    return found


def run(quick: bool = False) -> Result:
    from playwright.sync_api import sync_playwright

    repeats = 2 if quick else REPEATS
    measured: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        port = free_port()
        server = start_server(folder, port, workers=2)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
                page = browser.new_page(viewport={"width": 1500, "height": 950})
                page.goto(f"http://127.0.0.1:{port}/")
                page.get_by_role("button", name="Auto-layout").wait_for()
                for label, model, block, fan_in in cases(quick):
                    times = measure(page, folder, model, block, fan_in, repeats)
                    measured[label] = {
                        "blocks": len(model["nodes"]),
                        "edited": block,
                        **{f"{name}_ms": values for name, values in times.items()},
                    }
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    base = next(iter(measured.values()))
    rows = []
    for label, m in measured.items():
        cells = [label, m["blocks"]]
        for name in ("shapes", "code", "layout"):
            value, ref = median(m[f"{name}_ms"]), median(base[f"{name}_ms"])
            cells += [f"{value:.0f}", f"{value / ref:.1f}x"]
        for name in ("shapes", "code"):  # where the time went: waiting, server, page
            sent, answered = median(m[f"{name}_sent_ms"]), median(m[f"{name}_answered_ms"])
            cells.append(
                f"{sent:.0f} + {answered - sent:.0f} + {median(m[f'{name}_ms']) - answered:.0f}"
            )
        rows.append(cells)
    return Result(
        name="editor",
        title="Editor at scale: edit -> shapes, edit -> code, auto-layout (ms, in the page)",
        headers=[
            "model",
            "blocks",
            "edit → shapes",
            "vs first",
            "edit → code",
            "vs first",
            "auto-layout",
            "vs first",
            "shapes: wait + request + page",
            "code: wait + request + page",
        ],
        rows=rows,
        notes=[
            f"median of {repeats} edits (a Linear's out_features typed in the side panel) and "
            f"{repeats} Auto-layout commands per model, in headless Chromium "
            f"(1500x950) against `torchcanvas serve --workers 2` on the same machine",
            "edit → shapes: to the edited block's new output shape on the canvas (the editor "
            "validates 40 ms after the last change); edit → code: the same kind of edit, then "
            "the Code tab, to the edited line in the highlighted model.py (requested 80 ms "
            "after the last change); auto-layout: ELK layered in the web worker, round trip",
            "vs first: the time relative to the first (smallest) model in the same run",
            "wait + request + page (medians): until the request was sent (the debounce, and for "
            "the code the tab switch), the request until its answer was in (server and network, "
            "from the browser's resource timing), and the rest (React, React Flow, highlighting)",
            f"aims at 200 blocks: shapes within {AIMS['shapes']:.0f} ms, code within "
            f"{AIMS['code']:.0f} ms",
        ],
        data={"repeats": repeats, "aims_ms": AIMS, "cases": measured},
    )
