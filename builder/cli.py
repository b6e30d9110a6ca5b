"""The `torchcanvas` command: serve the app, validate and generate models, list examples."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from codegen.analysis import analyze
from codegen.examples import list_examples, load_example
from codegen.names import slug
from codegen.render import render_project, zip_project
from codegen.spec import json_schema

EXIT_INVALID = 2


class CliError(Exception):
    """A one-line reason to exit with status 2."""


def read_spec(source: str) -> Any:
    """A spec from a file path, `-` (stdin) or the name of an example."""
    if source == "-":
        text = sys.stdin.read()
    else:
        path = Path(source)
        if not path.exists():
            example = load_example(source)
            if example is not None:
                return example
            raise CliError(f"{source}: no such file or example (see `torchcanvas examples`)")
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CliError(f"{source}: cannot read it ({error})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise CliError(f"{source}: not valid JSON ({error})") from None


def print_problems(problems: list[Any]) -> None:
    for problem in problems:
        hint = f" ({problem.hint})" if problem.hint else ""
        print(f"{problem.path or '/'}: {problem.message}{hint}", file=sys.stderr)


def cmd_validate(args: argparse.Namespace) -> int:
    analysis = analyze(read_spec(args.spec))
    if not analysis.valid:
        print_problems(analysis.problems)
        print(f"{len(analysis.problems)} problem(s)", file=sys.stderr)
        return EXIT_INVALID
    shape = analysis.output_shape
    print(
        f"valid: {len(analysis.nodes)} nodes, {analysis.total_params:,} parameters, "
        f"output {list(shape) if shape else None}"
    )
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    analysis = analyze(read_spec(args.spec))
    if not analysis.valid:
        print_problems(analysis.problems)
        return EXIT_INVALID
    files = render_project(analysis)
    out = Path(args.output)
    if args.zip:
        assert analysis.spec is not None
        target = out if out.suffix == ".zip" else out / f"{slug(analysis.spec.name)}.zip"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(zip_project(files, slug(analysis.spec.name)))
        print(f"wrote {target}")
        return 0
    out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8")
    print(f"wrote {', '.join(files)} to {out}")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    text = json.dumps(json_schema(), indent=2) + "\n"
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def cmd_examples(args: argparse.Namespace) -> int:
    if args.name is None:
        for example in list_examples():
            print(f"{example['name']:<28} {example['title']}")
        return 0
    spec = load_example(args.name)
    if spec is None:
        raise CliError(f"no example named {args.name!r} (see `torchcanvas examples`)")
    text = json.dumps(spec, indent=2) + "\n"
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {args.output}")
    else:
        sys.stdout.write(text)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from . import create_app

    app = create_app()
    print(f"TorchCanvas on http://{args.host}:{args.port}/")
    app.run(host=args.host, port=args.port, debug=False, threaded=True)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="torchcanvas", description="A visual model builder for PyTorch."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the web app")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=5000)
    serve.set_defaults(run=cmd_serve)

    generate = commands.add_parser("generate", help="write the PyTorch project of a model")
    generate.add_argument("spec", help="model JSON file, - for stdin, or an example name")
    generate.add_argument("-o", "--output", required=True, help="folder (or .zip with --zip)")
    generate.add_argument("--zip", action="store_true", help="write a zip file instead")
    generate.set_defaults(run=cmd_generate)

    validate = commands.add_parser("validate", help="check a model; exit 2 if invalid")
    validate.add_argument("spec", help="model JSON file, - for stdin, or an example name")
    validate.set_defaults(run=cmd_validate)

    schema = commands.add_parser("schema", help="print the JSON Schema of the model format")
    schema.add_argument("-o", "--output", help="write it to this file")
    schema.set_defaults(run=cmd_schema)

    examples = commands.add_parser("examples", help="list the examples, or write one")
    examples.add_argument("name", nargs="?", help="example to print or write")
    examples.add_argument("-o", "--output", help="write the example to this file")
    examples.set_defaults(run=cmd_examples)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except CliError as error:
        print(f"torchcanvas: {error}", file=sys.stderr)
        return EXIT_INVALID


if __name__ == "__main__":
    sys.exit(main())
