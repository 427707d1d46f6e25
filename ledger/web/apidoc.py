"""The API's reference, read from ``api_spec/openapi.yaml`` (the committed, generated document)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SPEC_PATH = Path(__file__).resolve().parents[2] / "api_spec" / "openapi.yaml"
METHODS = ("get", "post", "put", "patch", "delete")


@dataclass
class Operation:
    method: str
    path: str
    summary: str
    description: str
    parameters: list[dict[str, Any]]
    request_schema: str | None
    responses: list[tuple[str, str, str | None]]  # status, description, schema name or type

    @property
    def anchor(self) -> str:
        return f"{self.method}-{self.path}".replace("/", "-").replace("{", "").replace("}", "").strip("-")


@dataclass
class Document:
    title: str
    version: str
    description: str
    tags: list[tuple[str, str, list[Operation]]] = field(default_factory=list)
    schemas: dict[str, dict[str, Any]] = field(default_factory=dict)


def load_spec(live: dict[str, Any]) -> dict[str, Any]:
    """The committed document when the source tree is at hand, else the app's own (the same, by test)."""
    if SPEC_PATH.exists():
        loaded: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
        return loaded
    return live


def type_name(schema: dict[str, Any] | None) -> str | None:
    """A short name for a schema: a component's name, ``array of X``, or its type and format."""
    if not schema:
        return None
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if schema.get("type") == "array":
        return f"array of {type_name(schema.get('items')) or 'any'}"
    if "allOf" in schema:
        return " & ".join(filter(None, (type_name(s) for s in schema["allOf"])))
    kind = str(schema.get("type", "object"))
    return f"{kind} ({schema['format']})" if "format" in schema else kind


def _content_schema(content: dict[str, Any] | None) -> str | None:
    for media in (content or {}).values():
        return type_name(media.get("schema"))
    return None


def document(spec: dict[str, Any]) -> Document:
    """Group the operations by tag, in the document's order, with their parameters and responses."""
    info = spec.get("info", {})
    doc = Document(str(info.get("title", "API")), str(info.get("version", "")), str(info.get("description", "")))
    by_tag: dict[str, list[Operation]] = {}
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            parameters = [
                {
                    "name": p.get("name"),
                    "in": p.get("in"),
                    "required": bool(p.get("required")),
                    "type": type_name(p.get("schema")),
                    "description": p.get("description", ""),
                }
                for p in item.get("parameters", []) + op.get("parameters", [])
            ]
            body = op.get("requestBody")
            responses = [
                (str(status), str(r.get("description", "")), _content_schema(r.get("content")) or (str(r["$ref"]).rsplit("/", 1)[-1] if "$ref" in r else None))
                for status, r in op.get("responses", {}).items()
            ]
            operation = Operation(method.upper(), path, str(op.get("summary", "")), str(op.get("description", "")), parameters, _content_schema(body.get("content")) if body else None, responses)
            for tag in op.get("tags", ["other"]):
                by_tag.setdefault(tag, []).append(operation)
    descriptions = {t["name"]: t.get("description", "") for t in spec.get("tags", [])}
    doc.tags = [(tag, descriptions.get(tag, ""), ops) for tag, ops in by_tag.items()]
    for name, schema in sorted(spec.get("components", {}).get("schemas", {}).items()):
        required = set(schema.get("required", []))
        doc.schemas[name] = {
            "description": schema.get("description", ""),
            "properties": [
                {"name": prop, "type": type_name(s), "required": prop in required, "nullable": bool(s.get("nullable")), "description": s.get("description", "")}
                for prop, s in schema.get("properties", {}).items()
            ],
        }
    return doc
