"""The `torchcanvas` command: serve the app, migrate its database, validate and generate
models, list examples."""

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
        return json.loads(text.removeprefix("\ufeff"))  # a BOM is dropped, as the API does
    except RecursionError:
        raise CliError(f"{source}: not valid JSON (nested too deeply)") from None
    except ValueError as error:  # JSONDecodeError, or an integer of more than 4300 digits
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
    nodes = len(analysis.nodes)
    print(
        f"valid: {nodes} node{'' if nodes == 1 else 's'}, {analysis.total_params:,} parameters, "
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


def cmd_import(args: argparse.Namespace) -> int:
    try:  # the importer needs torch; the rest of the CLI does not
        from importers.command import run_import
    except ImportError as error:
        raise CliError(f"import needs PyTorch installed ({error})") from None
    return run_import(args)


def shape_argument(text: str) -> list[int]:
    """`3,224,224` or `3 224 224` (each word one or more sizes)."""
    try:
        sizes = [int(part) for part in text.replace("x", ",").split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list of sizes") from None
    if not sizes or any(size < 1 for size in sizes):
        raise argparse.ArgumentTypeError(f"{text!r}: sizes are whole numbers of at least 1")
    return sizes


def cmd_schema(args: argparse.Namespace) -> int:
    text = json.dumps(json_schema(), indent=2) + "\n"
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def cmd_openapi(args: argparse.Namespace) -> int:
    from .api.openapi import openapi_document

    text = json.dumps(openapi_document(), indent=2, ensure_ascii=False) + "\n"
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


def migrate(app: Any) -> str:
    """Upgrade the app's database to the newest schema, or fail with a one-line reason."""
    from sqlalchemy.exc import SQLAlchemyError

    from .store import database_url, redacted, upgrade_app

    try:
        return upgrade_app(app)
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise CliError(f"cannot migrate {redacted(database_url(app))}: {reason}") from None
    except ImportError as error:
        raise CliError(
            f"the database driver is missing ({error.name}); for PostgreSQL install "
            "psycopg: pip install 'torchcanvas[postgres]'"
        ) from None


def cmd_db(args: argparse.Namespace) -> int:
    from . import create_app
    from .store import database_url, redacted
    from .store.migrate import current, head

    app = create_app()
    if args.db_command == "upgrade":
        print(f"database {migrate(app)} is at revision {head()} (newest)")
        return 0
    url = database_url(app)
    print(f"database {redacted(url)}: revision {current(url) or 'none'} (newest: {head()})")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from . import create_app

    app = create_app()
    if not args.no_migrate:
        print(f"database {migrate(app)} is up to date", file=sys.stderr)
    if args.with_worker:
        start_worker_process()
    if args.workers > 1 or args.production:
        return run_production(args)
    print(f"TorchCanvas on http://{args.host}:{args.port}/ (development server)")
    app.run(host=args.host, port=args.port, debug=False, threaded=True)
    return 0


def run_production(args: argparse.Namespace) -> int:
    """Serve with gunicorn and gevent workers (builder/serving.py), or waitress where
    gunicorn is missing (Windows)."""
    bind = f"[{args.host}]:{args.port}" if ":" in args.host else f"{args.host}:{args.port}"
    try:
        from . import serving
    except ImportError:
        try:
            from waitress import serve
        except ImportError:
            raise CliError("--workers needs gunicorn and gevent (or waitress on Windows)") from None
        from . import create_app

        print(f"TorchCanvas on http://{bind}/ (waitress, {args.threads} threads)")
        serve(create_app(), listen=bind, threads=args.threads, connection_limit=1000)
        return 0

    from . import create_app

    settings = serving.options(bind, args.workers, args.connections, args.timeout, args.access_log)
    print(
        f"TorchCanvas on http://{bind}/ (gunicorn, {args.workers} gevent workers)", file=sys.stderr
    )
    serving.serve(settings, create_app)
    return 0


def start_worker_process() -> None:
    """`torchcanvas worker` beside the server. It stops with the server: Ctrl-C reaches both
    (they share the terminal's process group), the server stops it when it exits, and on
    Linux it gets SIGTERM if the server dies first."""
    import atexit
    import signal
    import subprocess

    def die_with_parent() -> None:
        if sys.platform.startswith("linux"):
            import ctypes

            ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG

    worker = subprocess.Popen(
        [*torchcanvas_command(), "worker", "--no-migrate"], preexec_fn=die_with_parent
    )

    def stop() -> None:
        if worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()

    atexit.register(stop)
    # SIGTERM ends the development server without atexit hooks; make it an orderly exit
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))


def torchcanvas_command() -> list[str]:
    script = Path(sys.executable).parent / "torchcanvas"
    return [str(script)] if script.exists() else [sys.executable, "-m", "builder.cli"]


def cmd_worker(args: argparse.Namespace) -> int:
    from . import create_app
    from .runs import run_settings
    from .runs.queue import describe
    from .runs.sandbox import network_isolation
    from .runs.worker import run_worker

    app = create_app()
    if not args.no_migrate:
        migrate(app)
    settings = run_settings(app)
    print(
        f"TorchCanvas worker: {args.concurrency} at a time, queue {describe(settings.queue_url)}, "
        f"run folders in {settings.runs_dir}, network isolation: "
        f"{network_isolation(settings.runs_dir)}",
        file=sys.stderr,
    )
    run_worker(app, args.concurrency)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="torchcanvas", description="A visual model builder for PyTorch."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the web app")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=5000)
    serve.add_argument(
        "--workers", type=int, default=1, help="processes; more than 1 runs gunicorn (production)"
    )
    serve.add_argument(
        "--production", action="store_true", help="run gunicorn even with one worker"
    )
    serve.add_argument(
        "--connections", type=int, default=1000, help="open connections per worker (gunicorn)"
    )
    serve.add_argument("--threads", type=int, default=16, help="threads (waitress, on Windows)")
    serve.add_argument("--timeout", type=int, default=60, help="seconds before a stuck worker")
    serve.add_argument("--access-log", action="store_true", help="log every request to stdout")
    serve.add_argument(
        "--no-migrate", action="store_true", help="do not upgrade the database schema first"
    )
    serve.add_argument(
        "--with-worker", action="store_true", help="also start a worker for runs (make run does)"
    )
    serve.set_defaults(run=cmd_serve)

    worker = commands.add_parser("worker", help="run training jobs from the queue")
    worker.add_argument("--concurrency", type=int, default=1, help="runs at the same time")
    worker.add_argument(
        "--no-migrate", action="store_true", help="do not upgrade the database schema first"
    )
    worker.set_defaults(run=cmd_worker)

    db = commands.add_parser("db", help="the database of saved models (DATABASE_URL)")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="create or migrate the schema to the newest revision")
    db_commands.add_parser("current", help="show the schema revision of the database")
    db.set_defaults(run=cmd_db)

    generate = commands.add_parser("generate", help="write the PyTorch project of a model")
    generate.add_argument("spec", help="model JSON file, - for stdin, or an example name")
    generate.add_argument("-o", "--output", required=True, help="folder (or .zip with --zip)")
    generate.add_argument("--zip", action="store_true", help="write a zip file instead")
    generate.set_defaults(run=cmd_generate)

    imports = commands.add_parser(
        "import",
        help="turn a PyTorch model into a spec (traced with torch.fx or torch.export)",
        description="Trace a PyTorch module and write its spec; exit 2 listing what cannot be "
        "mapped onto blocks (the op, its module and source line).",
    )
    imports.add_argument(
        "target", help="package.module:factory or path/file.py:Class, called without arguments"
    )
    imports.add_argument(
        "--input-shape",
        required=True,
        nargs="+",
        type=shape_argument,
        help="one sample's shape without the batch, e.g. 3 224 224",
    )
    imports.add_argument("--input-dtype", choices=("float32", "int64"), default="float32")
    imports.add_argument(
        "--vocab-size", type=int, help="int64 token ids: their range (default: the Embedding's)"
    )
    imports.add_argument("-o", "--output", help="write the spec here (default: stdout)")
    imports.add_argument("--name", help="the model's name (default: the factory's or class's)")
    imports.add_argument(
        "--weights",
        metavar="FILE",
        help="write the original's weights under the generated model's names (for train.py "
        "--init-weights FILE), after checking that the outputs match",
    )
    imports.set_defaults(run=cmd_import)

    validate = commands.add_parser("validate", help="check a model; exit 2 if invalid")
    validate.add_argument("spec", help="model JSON file, - for stdin, or an example name")
    validate.set_defaults(run=cmd_validate)

    schema = commands.add_parser("schema", help="print the JSON Schema of the model format")
    schema.add_argument("-o", "--output", help="write it to this file")
    schema.set_defaults(run=cmd_schema)

    openapi = commands.add_parser("openapi", help="print the OpenAPI document of the JSON API")
    openapi.add_argument("-o", "--output", help="write it to this file")
    openapi.set_defaults(run=cmd_openapi)

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
