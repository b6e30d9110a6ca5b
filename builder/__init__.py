"""TorchCanvas web app: the editor, the JSON API and the CLI (`torchcanvas`).

`create_app()` is the app factory (`flask --app builder run` works). Configuration comes
from the environment: variables prefixed `TORCHCANVAS_` (e.g. `TORCHCANVAS_MAX_BODY_BYTES`)
and `DATABASE_URL` (docs/deploy.md lists them); `TORCHCANVAS_INSTANCE_PATH` places the
instance folder (SQLite database, queue, run folders, uploads). This package never
imports torch.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from flask import Flask

from codegen.resources import templates_dir

DEFAULTS: dict[str, Any] = {
    "MAX_BODY_BYTES": 1 << 20,
    "MAX_NODES": 500,
    "MAX_EDGES": 2000,
    "MAX_REVISIONS": 100,
    "PUBLIC_URL": "",
}


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    instance = os.environ.get("TORCHCANVAS_INSTANCE_PATH", "").strip()
    app = Flask(
        __name__,
        instance_path=os.path.abspath(instance) if instance else None,
        instance_relative_config=True,
        template_folder=str(templates_dir() / "pages"),
        static_folder=None,
    )
    app.config.update(DEFAULTS)
    app.config.from_prefixed_env("TORCHCANVAS")
    if test_config:
        app.config.update(test_config)
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["MAX_BODY_BYTES"])
    app.json.sort_keys = False  # type: ignore[attr-defined]
    logging.basicConfig(level=logging.INFO)

    from . import errors, gallery, graph_files, limits, pages, runs, security, store, workload
    from .api import api, imports, openapi
    from .api.models import bp as models_api
    from .api.run_tools import bp as run_tools_api
    from .api.runs import bp as runs_api

    errors.register(app)
    security.init_app(app)
    limits.init_app(app)
    workload.init_app(app)
    store.init_app(app)
    runs.init_app(app)
    app.register_blueprint(api)
    app.register_blueprint(models_api)
    app.register_blueprint(runs_api)
    app.register_blueprint(run_tools_api)
    app.register_blueprint(imports.bp)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(gallery.bp)
    app.register_blueprint(graph_files.bp)
    return app
