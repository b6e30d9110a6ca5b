"""The bundled HTML reference of the JSON API (`GET /api/docs`), rendered from the OpenAPI
document of `openapi.py`: readable types, constraints, field tables and curl examples."""

from __future__ import annotations

import json
import re
from typing import Any

from .openapi import FORM, JSON, openapi_document


def _schema_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def type_parts(schema: dict[str, Any]) -> list[tuple[str, str | None]]:
    """A JSON schema as readable text: (text, component name to link or None) pieces."""
    if "$ref" in schema:
        name = _schema_name(schema["$ref"])
        return [(name, name)]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            parts: list[tuple[str, str | None]] = []
            for index, option in enumerate(schema[key]):
                if index:
                    parts.append((" | ", None))
                parts += type_parts(option)
            return parts
    if "const" in schema:
        return [(json.dumps(schema["const"]), None)]
    if "enum" in schema:
        return [(" | ".join(json.dumps(v) for v in schema["enum"]), None)]
    kind = schema.get("type")
    if kind == "array":
        items = schema.get("items")
        return [("array of ", None), *type_parts(items)] if items else [("array", None)]
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return [("object of ", None), *type_parts(schema["additionalProperties"])]
    if isinstance(kind, list):
        return [(" | ".join(kind), None)]
    if kind is None:
        return [("any JSON", None)]
    return [(f"{kind} ({schema['format']})" if "format" in schema else kind, None)]


CONSTRAINTS = [
    ("minimum", "≥ {}"),
    ("exclusiveMinimum", "> {}"),
    ("maximum", "≤ {}"),
    ("exclusiveMaximum", "< {}"),
    ("minLength", "at least {} characters"),
    ("maxLength", "at most {} characters"),
    ("minItems", "at least {} items"),
    ("maxItems", "at most {} items"),
    ("pattern", "matches {}"),
]


def constraints(schema: dict[str, Any]) -> str:
    """Bounds of a schema and of the items/options inside it, as text."""
    found = []
    for option in [schema, *schema.get("anyOf", []), schema.get("items") or {}]:
        for key, text in CONSTRAINTS:
            if key in option:
                found.append(text.format(option[key]))
    return ", ".join(dict.fromkeys(found))


def field_rows(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The fields of an object schema, one row each, for a table."""
    required = set(schema.get("required", []))
    rows = []
    for name, prop in schema.get("properties", {}).items():
        rows.append(
            {
                "name": name,
                "type": type_parts(prop),
                "required": name in required,
                "default": json.dumps(prop["default"]) if "default" in prop else "",
                "constraints": constraints(prop),
                "description": prop.get("description", ""),
            }
        )
    return rows


def curl_example(base: str, path: str, method: str, operation: dict[str, Any]) -> str:
    """A copy-pasteable curl command for an operation."""
    url = base + re.sub(r"{(\w+)}", lambda m: f"<{m.group(1)}>", path)
    parts = ["curl"]
    if method != "get":
        parts.append(f"-X {method.upper()}")
    if operation.get("security"):
        parts.append("-H 'Authorization: Bearer <edit_token>'")
    if FORM in operation.get("requestBody", {}).get("content", {}):
        parts.append("-F file=@data.csv")
    elif "requestBody" in operation:
        parts += ["-H 'Content-Type: application/json'", "--data @spec.json"]
    answers = operation["responses"].get("200", {}).get("content", {})
    if "application/zip" in answers:
        parts.append("-o model.zip")
    elif "image/svg+xml" in answers:
        parts.append("-o graph.svg")
    parts.append(f"'{url}'")
    return " ".join(parts)


def docs_context(base: str) -> dict[str, Any]:
    """What the template shows: operations grouped by tag, and the schemas."""
    document = openapi_document()
    schemas = document["components"]["schemas"]
    groups: dict[str, list[dict[str, Any]]] = {tag["name"]: [] for tag in document["tags"]}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody")
            body_json = body["content"].get(JSON, {}) if body else {}
            body_ref = body_json.get("schema", {}).get("$ref")
            responses = []
            for status, response in operation["responses"].items():
                content = [
                    (media, type_parts(item["schema"]))
                    for media, item in response.get("content", {}).items()
                ]
                responses.append(
                    {
                        "status": status,
                        "description": response["description"],
                        "content": content,
                        "headers": list(response.get("headers", {})),
                    }
                )
            groups[operation["tags"][0]].append(
                {
                    "id": operation["operationId"],
                    "method": method.upper(),
                    "path": path,
                    "summary": operation["summary"],
                    "description": operation.get("description", ""),
                    "auth": bool(operation.get("security")),
                    "parameters": [
                        {
                            "name": p["name"],
                            "in": p["in"],
                            "required": p["required"],
                            "type": type_parts(p["schema"]),
                            "constraints": constraints(p["schema"]),
                            "default": (
                                json.dumps(p["schema"]["default"])
                                if "default" in p["schema"]
                                else ""
                            ),
                            "description": p.get("description", ""),
                        }
                        for p in operation.get("parameters", [])
                    ],
                    "body": _schema_name(body_ref) if body_ref else None,
                    "body_description": body["description"] if body else "",
                    "body_examples": (list(body_json.get("examples", {}))),
                    "responses": responses,
                    "curl": curl_example(base, path, method, operation),
                }
            )
    return {
        "info": document["info"],
        "openapi": document["openapi"],
        "tags": [
            {**tag, "operations": groups[tag["name"]]}
            for tag in document["tags"]
            if groups[tag["name"]]
        ],
        "schemas": [
            {
                "name": name,
                "description": schema.get("description", ""),
                "type": type_parts(schema) if "properties" not in schema else [],
                "fields": field_rows(schema),
                "json": json.dumps(schema, indent=2, ensure_ascii=False),
            }
            for name, schema in sorted(schemas.items())
        ],
        "security": document["components"]["securitySchemes"],
        "base": base,
    }
