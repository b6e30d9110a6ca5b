"""Packaging: `templates/`, `examples/` and the built editor live at the top of the checkout
(docs/architecture.md, "Layout") and are installed inside the packages, where codegen.resources finds them.
"""

from pathlib import Path

from setuptools import find_packages, setup

SHIPPED = {
    "codegen.templates": "templates",
    "codegen.examples": "examples",
}
if Path("static/dist").is_dir():  # the editor, once built by `make`
    SHIPPED["builder.static_dist"] = "static/dist"

setup(
    packages=find_packages(
        include=["builder", "builder.*", "codegen", "codegen.*", "importers", "importers.*"]
    )
    + list(SHIPPED),
    package_dir=SHIPPED,
    package_data={
        "codegen.templates": [
            "code/*.j2",
            "code/**/*.j2",
            "pages/*.html",
            "pages/**/*.html",
            "pages/*.css",
        ],
        "codegen.examples": ["*.json", "library/*.json"],
        "builder.static_dist": ["**/*", ".vite/*"],
        "builder": ["migrations/*", "migrations/**/*", "*.ini"],
    },
    exclude_package_data={"builder": ["migrations/**/__pycache__/*", "migrations/__pycache__/*"]},
    include_package_data=False,
)
