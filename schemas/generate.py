"""Write the JSON Schema files under `schemas/json/` from the Pydantic models.

Run `make schemas` after changing a model; a test fails while the committed files drift.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from schemas.envelope import EventEnvelope, dataschema_uri
from schemas.registry import PAYLOADS

JSON_DIR = Path(__file__).parent / "json"
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def rendered() -> dict[str, str]:
    """File name → JSON text, for every published schema."""
    files: dict[str, str] = {}
    envelope = EventEnvelope.model_json_schema()
    envelope["$id"] = "urn:qa-ledger:schema:EventEnvelope:v1"
    files["EventEnvelope.v1.json"] = _dump(envelope)
    for (name, version), model in PAYLOADS.items():
        schema = model.model_json_schema()
        schema["$id"] = dataschema_uri(name, version)
        schema["x-aggregate-type"] = model.aggregate_type
        if version >= 2:  # v1 files stay byte for byte as published
            schema["$schema"] = DIALECT
        files[f"events/{name}.v{version}.json"] = _dump(schema)
    return files


def _dump(schema: dict[str, object]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def main() -> int:
    files = rendered()
    for name, text in files.items():
        path = JSON_DIR / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    stale = {p.relative_to(JSON_DIR).as_posix() for p in JSON_DIR.rglob("*.json")} - set(files)
    for name in stale:
        (JSON_DIR / name).unlink()
    print(f"wrote {len(files)} schema files to {JSON_DIR}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
