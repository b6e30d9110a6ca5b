"""TorchCanvas web app: the editor, the JSON API and the CLI (`torchcanvas`).

`create_app()` is the app factory (`flask --app builder run` works). Configuration comes
from the environment: variables prefixed `TORCHCANVAS_` (e.g. `TORCHCANVAS_MAX_BODY_BYTES`)
and `DATABASE_URL` (docs/deploy.md lists them). This package never imports torch.
"""

from __future__ import annotations

import logging
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
    app = Flask(
        __name__,
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

    from . import errors, gallery, limits, pages, security, store, workload
    from .api import api, openapi
    from .api.models import bp as models_api

    errors.register(app)
    security.init_app(app)
    limits.init_app(app)
    workload.init_app(app)
    store.init_app(app)
    app.register_blueprint(api)
    app.register_blueprint(models_api)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(gallery.bp)
    return app
