"""Hostile specs (docs/architecture.md, "Safe emission"): nothing from a spec is pasted into code as raw text.

Every hostile value is either rejected with a problem at its JSON pointer, or the
generated project is inert:

- every .py file parses, imports only the expected modules and calls no eval / exec /
  __import__ / compile / os.* / subprocess.*;
- the hostile text changes nothing in the generated code but string literals, comments
  and docstrings: the token stream without STRING and COMMENT tokens equals that of the
  same spec with benign text (with the class name, derived from the model name, masked);
- values the spec may hold as strings (CSV paths, column names, data folders) are
  emitted with repr(): the generated constant evaluates back to exactly the given text;
- template syntax in text is not evaluated; control characters such as NUL and U+2028
  never reach the code or the README, and raw HTML never reaches the README.
"""

from __future__ import annotations

import ast
import copy
import functools
import io
import json
import tokenize
from pathlib import Path
from typing import Any

import pytest

from codegen.analysis import analyze
from codegen.names import class_name
from codegen.problems import SpecError
from codegen.render import generate

ROOT = Path(__file__).resolve().parents[2]

# The modules generated code may import. Beyond the design's list (argparse, copy, json,
# math, time, pathlib, torch, torchvision, sklearn.datasets, pandas, matplotlib, data,
# model): typing helpers and what the image loaders need to read the dataset files.
ALLOWED_MODULES = {
    "argparse",
    "copy",
    "json",
    "math",
    "time",
    "pathlib",
    "torch",
    "torchvision",
    "sklearn.datasets",
    "pandas",
    "matplotlib",
    "data",
    "model",
    "collections.abc",
    "numpy",
    "PIL",
    "pickle",
    "gzip",
    "csv",
    "typing",
    "itertools",
    "contextlib",
    "os",  # os.cpu_count() for loader workers, os.environ for torchrun's (checked below)
    "warnings",  # export.py: TorchScript's deprecation warnings
    "onnxruntime",  # export.py: runs the ONNX file to check it
    "onnxscript",  # export.py: torch.onnx.export needs it
    "IPython",  # notebook.ipynb: shows the loss curve
}
ALLOWED_PREFIXES = ("torch.", "torchvision.", "matplotlib.")
FORBIDDEN_CALLS = {"eval", "exec", "__import__", "compile", "breakpoint", "globals", "locals"}
FORBIDDEN_ROOTS = {"sys", "subprocess", "shutil", "importlib", "builtins", "socket"}
ALLOWED_OS_CALLS = {"os.cpu_count"}
# (not "eval": model.eval() is fine; a bare eval() call is caught by FORBIDDEN_CALLS)
HOSTILE_NAMES = {"system", "popen", "subprocess", "__import__", "exec"}

HOSTILE_TEXTS = [
    '"""',
    "'''",
    "\\",
    'ends with a quote"',
    "ends with a backslash\\",
    '"""; import os; """',
    "'''; import os; '''",
    "\n\nimport os\nos.system('x')",
    "\r\nimport os\r\nos.system('x')",
    "\\N{BULLET} \\x \\u12 \\",
    "</script><script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "{{ 7*7 }}",
    "{{ 1234*1000 }}",
    "{% raw %}",
    "{% endraw %}{{ 7*7 }}",
    "{# comment #}",
    "line\u2028import os\u2029os.system('x')",
    "nul\x00byte",
    "# not a comment",
    "__import__('os').system('x')",
    "x; import os",
    "`rm -rf /` $(rm -rf /)",
    "🙂 ünïcödé \u202eevil",
    "\x0bvertical\x0cfeed\x1c\x85",
]

# For values emitted with repr(): what stresses string literals (quotes, backslashes,
# line breaks, escapes, template syntax).
STRING_TEXTS = [t for t in HOSTILE_TEXTS if any(c in t for c in "\"'\\\n\r\u2028\x0b{")]

HOSTILE_IDS = [
    "x; import os",
    "__import__('os')",
    "forward",
    "self",
    "a\nimport os",
    "os.system",
    "a b",
    "1abc",
    "_hidden",
    "__init__",
    "class",
    "lambda",
    "match",
    "input",
    "x",
    "torch",
    "nn",
    "F",
    "super",
    "parameters",
    "eval",
    "{{ 7*7 }}",
    "a\u2028b",
    "nul\x00",
    "é",
    "a" * 65,
]


def _benign() -> dict[str, Any]:
    return {
        "format": "torchcanvas.model",
        "version": 1,
        "name": "Benign model",
        "description": "Plain text.",
        "tags": ["plain"],
        "input": {"shape": [4]},
        "nodes": [
            {"id": "fc1", "type": "Linear", "params": {"out_features": 8}, "label": "plain"},
            {"id": "act", "type": "ReLU", "label": "plain"},
            {"id": "head", "type": "Linear", "params": {"out_features": 1}, "label": "plain"},
        ],
        "training": {"dataset": {"kind": "synthetic-regression"}, "epochs": 2},
    }


def _benign_csv() -> dict[str, Any]:
    spec = json.loads((ROOT / "examples" / "house-prices-mlp.json").read_text(encoding="utf-8"))
    spec["name"] = "Benign model"
    return spec


# ----------------------------------------------------------------------------- checks


def _module_names(tree: ast.AST) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "relative import"
            names.append(node.module or "")
    return names


def _root(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _check_code(file: str, text: str, hostile_names: set[str] = HOSTILE_NAMES) -> None:
    tree = ast.parse(text, filename=file)
    for module in _module_names(tree):
        assert module in ALLOWED_MODULES or module.startswith(ALLOWED_PREFIXES), (file, module)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name):
                assert func.id not in FORBIDDEN_CALLS, f"{file}:{node.lineno}: {func.id}()"
            assert _root(func) not in FORBIDDEN_ROOTS, f"{file}:{node.lineno}: {ast.unparse(func)}"
            if _root(func) == "os":
                assert ast.unparse(func) in ALLOWED_OS_CALLS, f"{file}:{node.lineno}"
            assert not (isinstance(func, ast.Attribute) and func.attr in {"system", "popen"})
    for token in _tokens(text):
        assert not (token.type == tokenize.NAME and token.string in hostile_names), (file, token)


def _tokens(text: str) -> list[tokenize.TokenInfo]:
    return list(tokenize.generate_tokens(io.StringIO(text).readline))


_TEXT_TOKENS = {tokenize.STRING, tokenize.COMMENT, tokenize.NL}
_TEXT_TOKENS |= {getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}


def _skeleton(text: str, class_name_: str) -> list[tuple[int, str]]:
    """The code without its text: tokens other than strings, comments and blank lines."""
    tokens = [
        (t.type, "<CLASS>" if t.type == tokenize.NAME and t.string == class_name_ else t.string)
        for t in _tokens(text)
        if t.type not in _TEXT_TOKENS
    ]
    # black adds a magic trailing comma where a longer string makes it split a call
    return [
        tok
        for tok, nxt in zip(tokens, [*tokens[1:], (0, "")], strict=True)
        if not (tok == (tokenize.OP, ",") and nxt[1] in (")", "]", "}"))
    ]


@functools.lru_cache(maxsize=16)
def _generate_cached(spec_json: str) -> dict[str, str]:
    return generate(json.loads(spec_json))


def _notebook_code(text: str) -> str:
    """The code cells of a notebook, as one module."""
    cells = json.loads(text)["cells"]
    return "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")


def _check_inert(hostile_spec: dict[str, Any], benign_spec: dict[str, Any]) -> dict[str, str]:
    files = generate(copy.deepcopy(hostile_spec))
    baseline = _generate_cached(json.dumps(benign_spec, sort_keys=True))
    assert sorted(files) == sorted(baseline)
    hostile_class = class_name(hostile_spec.get("name", "Model"))
    benign_class = class_name(benign_spec.get("name", "Model"))
    for file, text in files.items():
        if file.endswith(".py"):
            _check_code(file, text)
            assert _skeleton(text, hostile_class) == _skeleton(baseline[file], benign_class), file
        if file.endswith(".ipynb"):
            _check_code(file, _notebook_code(text))
        if file != "spec.json":
            for bad in ("\x00", "\u2028", "\u2029", "\x85", "\r"):
                assert bad not in text, (file, bad)
    assert "<script" not in files["README.md"] and "<img" not in files["README.md"]
    for file, text in files.items():
        for marker in ("49", "1234000"):
            if marker not in baseline[file]:
                assert marker not in text, f"{file}: template syntax was evaluated"
    return files


def _rejected(spec: dict[str, Any], path: str) -> None:
    analysis = analyze(copy.deepcopy(spec))
    assert not analysis.valid
    paths = [p.path for p in analysis.problems]
    assert path in paths, analysis.problems
    with pytest.raises(SpecError):
        generate(copy.deepcopy(spec))


# ----------------------------------------------------------------------------- node ids


@pytest.mark.parametrize("node_id", HOSTILE_IDS)
def test_hostile_node_ids_are_rejected(node_id: str) -> None:
    spec = _benign()
    spec["nodes"][1]["id"] = node_id
    _rejected(spec, "/nodes/1/id")
    # with explicit edges naming it, too
    spec["edges"] = [
        {"source": "input", "target": "fc1"},
        {"source": "fc1", "target": node_id},
        {"source": node_id, "target": "head"},
    ]
    _rejected(spec, "/nodes/1/id")


@pytest.mark.parametrize("node_id", ["exec", "print", "os_", "Tensor", "build_model", "data"])
def test_unusual_but_valid_node_ids_stay_inert(node_id: str) -> None:
    spec = _benign()
    spec["nodes"][1]["id"] = node_id
    files = generate(spec)
    for file, text in files.items():
        if file.endswith(".py"):
            _check_code(file, text, HOSTILE_NAMES - {node_id})  # an attribute, self.exec
    assert f"self.{node_id} = nn.ReLU()" in files["model.py"]


@pytest.mark.parametrize("text", ["x; import os", "a\nimport os", "ghost"])
def test_hostile_edge_ends_and_output_are_rejected(text: str) -> None:
    spec = _benign()
    spec["edges"] = [
        {"source": "input", "target": "fc1"},
        {"source": "fc1", "target": "act"},
        {"source": "act", "target": "head"},
        {"source": text, "target": "head"},
    ]
    _rejected(spec, "/edges/3/source")
    spec = _benign()
    spec["output"] = text
    _rejected(spec, "/output")


# ----------------------------------------------------------------------------- free text


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_hostile_free_text_is_inert(text: str) -> None:
    """The name also becomes the class name and the default output folder."""
    spec = _benign()
    spec["name"] = text
    spec["description"] = f"{text}\n\n{text} and more {text}"
    spec["tags"] = [text[:40], "x"]
    for node in spec["nodes"]:
        node["label"] = text
    files = _check_inert(spec, _benign())
    # the source is kept as it was given
    assert json.loads(files["spec.json"])["name"] == text
    module = ast.parse(files["model.py"])
    classes = [n.name for n in module.body if isinstance(n, ast.ClassDef)]
    assert classes == [class_name(text)]
    assert classes[0].isidentifier() and classes[0].isascii()


# ----------------------------------------------------------------------------- strings


def _constant(text: str, name: str) -> Any:
    for node in ast.parse(text).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            return ast.literal_eval(node.value)
    raise AssertionError(f"no constant {name}")


@pytest.mark.parametrize("text", STRING_TEXTS)
def test_hostile_csv_parameters_are_emitted_as_inert_strings(text: str) -> None:
    spec = _benign_csv()
    params = spec["training"]["dataset"]["params"]
    path = "data-" + text  # data paths are relative (an absolute one is a problem, not code)
    params.update(path=path, target=text + "_target", id_column=text + "_id", test_path=path)
    files = _check_inert(spec, _benign_csv())
    assert _constant(files["data.py"], "CSV_FILE") == path
    assert _constant(files["data.py"], "TARGET") == text + "_target"
    assert _constant(files["data.py"], "ID_COLUMN") == text + "_id"


def test_nul_in_a_string_parameter_is_rejected() -> None:
    spec = _benign_csv()
    spec["training"]["dataset"]["params"]["path"] = "train\x00.csv"
    _rejected(spec, "/training/dataset/params/path")


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('x')",
        '"""; import os; """',
        "a\\",
        "data\\new",
        "`</script><script>alert(1)</script>`",
        "{{ 7*7 }}",
    ],
)
def test_hostile_data_folder_is_inert(text: str) -> None:
    spec = _benign()
    spec["input"]["shape"] = [1, 28, 28]
    spec["nodes"].insert(0, {"id": "flat", "type": "Flatten"})
    spec["nodes"][-1]["params"]["out_features"] = 10
    benign = copy.deepcopy(spec)
    spec["training"]["dataset"] = {"kind": "mnist", "params": {"root": text}}
    benign["training"]["dataset"] = {"kind": "mnist", "params": {"root": "data"}}
    files = _check_inert(spec, benign)
    tree = ast.parse(files["train.py"])
    defaults = [
        ast.literal_eval(call.args[0])
        for call in ast.walk(tree)
        if isinstance(call, ast.Call)
        and isinstance(call.func, ast.Name)
        and call.func.id == "Path"
        and call.args
        and isinstance(call.args[0], ast.Constant)
    ]
    assert text in defaults


def _image_spec(kind: str, params: dict[str, Any]) -> dict[str, Any]:
    spec = _benign()
    spec["input"]["shape"] = [3, 8, 8]
    spec["nodes"].insert(0, {"id": "flat", "type": "Flatten"})
    spec["nodes"][-1]["params"]["out_features"] = 2
    spec["training"]["dataset"] = {"kind": kind, "params": params}
    return spec


@pytest.mark.parametrize("text", STRING_TEXTS)
def test_hostile_image_dataset_parameters_are_emitted_as_inert_strings(text: str) -> None:
    names = {"path": "CSV_FILE", "image_dir": "IMAGE_DIR"}
    names.update(path_column="PATH_COLUMN", label_column="LABEL_COLUMN")
    benign = {"path": "labels.csv", "image_dir": "images", "path_column": "file"}
    benign["label_column"] = "label"
    hostile = {key: f"data-{text}{key}" for key in benign}  # data paths are relative
    files = _check_inert(_image_spec("image-csv", hostile), _image_spec("image-csv", benign))
    for key, constant in names.items():
        assert _constant(files["data.py"], constant) == hostile[key]
    path = f"data-{text}"
    folder = _check_inert(
        _image_spec("image-folder", {"path": path}), _image_spec("image-folder", {"path": "x"})
    )
    assert _constant(folder["data.py"], "FOLDER") == path


# ----------------------------------------------------------------------------- values


@pytest.mark.parametrize(
    ("node", "param", "value"),
    [
        (0, "out_features", "8"),
        (0, "out_features", "__import__('os').system('x')"),
        (0, "out_features", "8); import os; (8"),
        (0, "out_features", 10**30),
        (0, "out_features", -(10**30)),
        (0, "out_features", float("nan")),
        (0, "out_features", float("inf")),
        (0, "out_features", 8.5),
        (0, "out_features", True),
        (0, "out_features", [8]),
        (0, "out_features", {"__class__": 8}),
        (0, "bias", "True"),
        (0, "bias", "__import__('os')"),
        (0, "bias", 1),
        (0, "in_features", "4"),
        (0, "__class__", 1),
        (0, "x); import os; (", 1),
        (1, "inplace", True),
    ],
)
def test_hostile_parameter_values_are_rejected(node: int, param: str, value: Any) -> None:
    spec = _benign()
    spec["nodes"][node]["params"] = {**spec["nodes"][node].get("params", {}), param: value}
    _rejected(spec, f"/nodes/{node}/params/{param.replace('~', '~0').replace('/', '~1')}")


@pytest.mark.parametrize(
    ("where", "value", "path"),
    [
        (("optimizer", "params", "lr"), float("nan"), "/training/optimizer/params/lr"),
        (("optimizer", "params", "lr"), float("inf"), "/training/optimizer/params/lr"),
        (("optimizer", "params", "lr"), "0.1; import os", "/training/optimizer/params/lr"),
        (("optimizer", "params", "lr"), 1e300, "/training/optimizer/params/lr"),
        (("optimizer", "params", "momentum"), -float("inf"), "/training/optimizer/params/momentum"),
        (
            ("optimizer", "params", "weight_decay"),
            float("nan"),
            "/training/optimizer/params/weight_decay",
        ),
        (("val_split",), float("nan"), "/training/val_split"),
        (("grad_clip",), float("inf"), "/training/grad_clip"),
        (("epochs",), 10**30, "/training/epochs"),
        (("epochs",), "2", "/training/epochs"),
        (("batch_size",), 2**70, "/training/batch_size"),
        (("seed",), 2**40, "/training/seed"),
        (("seed",), "0; import os", "/training/seed"),
        (("device",), "cpu'); import os; ('", "/training/device"),
        (("dataset", "params", "n_samples"), 10**12, "/training/dataset/params/n_samples"),
        (("dataset", "params", "noise"), float("nan"), "/training/dataset/params/noise"),
        (
            ("dataset", "params", "function"),
            "__import__('os')",
            "/training/dataset/params/function",
        ),
        (("early_stopping", "min_delta"), float("inf"), "/training/early_stopping/min_delta"),
    ],
)
def test_hostile_training_values_are_rejected(
    where: tuple[str, ...], value: Any, path: str
) -> None:
    spec = _benign()
    spec["training"]["optimizer"] = {"type": "SGD", "params": {}}
    spec["training"]["early_stopping"] = {"patience": 2}
    target = spec["training"]
    for key in where[:-1]:
        target = target.setdefault(key, {})
    target[where[-1]] = value
    _rejected(spec, path)


def test_tiny_and_large_finite_values_are_emitted_exactly() -> None:
    spec = _benign()
    spec["nodes"].insert(1, {"id": "drop", "type": "Dropout", "params": {"p": 5e-324}})
    spec["nodes"].insert(
        2, {"id": "leaky", "type": "LeakyReLU", "params": {"negative_slope": -1e9}}
    )
    spec["training"]["optimizer"] = {"type": "SGD", "params": {"lr": 1e-300}}
    files = generate(spec)
    for file, text in files.items():
        if file.endswith(".py"):
            _check_code(file, text)
    assert "nn.Dropout(5e-324)" in files["model.py"]
    assert "nn.LeakyReLU(-1000000000.0)" in files["model.py"]
    assert "default=1e-300" in files["train.py"]


# ----------------------------------------------------------------------------- type names

HOSTILE_TYPE_NAMES = [
    "__import__('os')",
    "os.system",
    "SGD; import os",
    "Adam\nimport os",
    "torch.optim.SGD",
    "nn.MSELoss",
    "MSELoss()",
    "{{ 7*7 }}",
    "../../../etc/passwd",
    "csv/../../x",
    "sgd",
    "",
]


@pytest.mark.parametrize("name", HOSTILE_TYPE_NAMES)
@pytest.mark.parametrize(
    ("section", "field"),
    [
        ("dataset", "kind"),
        ("loss", "type"),
        ("optimizer", "type"),
        ("scheduler", "type"),
        ("init", "type"),
        ("augmentations", "type"),
    ],
)
def test_hostile_component_names_are_rejected(name: str, section: str, field: str) -> None:
    spec = _benign()
    if section == "augmentations":
        spec["training"]["augmentations"] = [{"type": name}]
        path = "/training/augmentations/0/type"
    else:
        spec["training"][section] = {field: name}
        path = f"/training/{section}/{field}"
    _rejected(spec, path)


@pytest.mark.parametrize("name", [*HOSTILE_TYPE_NAMES, "Linear\nimport os", "Module", "Sequential"])
def test_hostile_block_types_are_rejected(name: str) -> None:
    spec = _benign()
    spec["nodes"][1]["type"] = name
    _rejected(spec, "/nodes/1/type")


@pytest.mark.parametrize("name", ["digits; import os", "__import__('os')", "load_digits", "iris\n"])
def test_hostile_sklearn_set_names_are_rejected(name: str) -> None:
    spec = _benign()
    spec["training"]["dataset"] = {"kind": "sklearn", "params": {"name": name}}
    _rejected(spec, "/training/dataset/params/name")
