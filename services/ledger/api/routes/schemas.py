"""The published contract over HTTP, no token needed: what `dataschema` points at.

`GET /v1/schemas/asyncapi.yaml` is the AsyncAPI document of the Kafka topic, and its relative
`$ref`s resolve beside it: `GET /v1/schemas/json/EventEnvelope.v2.json`,
`GET /v1/schemas/json/events/<Name>.v<N>.json`. The files are the committed ones, byte for byte.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response

import schemas
from services.ledger.domain.errors import NotFound

router = APIRouter(prefix="/schemas", tags=["contract"])
SCHEMAS_DIR = Path(schemas.__file__).parent


@cache
def published_files() -> dict[str, tuple[bytes, str]]:
    """Path under /v1/schemas/ → (content, media type), read once."""
    files = {"asyncapi.yaml": ((SCHEMAS_DIR / "asyncapi.yaml").read_bytes(), "application/yaml")}
    for path in sorted((SCHEMAS_DIR / "json").rglob("*.json")):
        files[path.relative_to(SCHEMAS_DIR).as_posix()] = (path.read_bytes(), "application/schema+json")
    return files


@router.get("", summary="Every published schema file (JSON Schema 2020-12) and the AsyncAPI document")
def index(request: Request) -> dict[str, list[str]]:
    base = str(request.url).rstrip("/")
    return {"files": [f"{base}/{name}" for name in published_files()]}


@router.get("/{path:path}", summary="One published schema file", response_class=Response)
def schema_file(path: str) -> Response:
    if path not in published_files():
        raise NotFound(f"no published schema file '{path[:100]}'")
    content, media_type = published_files()[path]
    return Response(content, media_type=media_type, headers={"Cache-Control": "public, max-age=3600"})
