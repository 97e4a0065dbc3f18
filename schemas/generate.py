"""Write the JSON Schema files under `schemas/json/` from the Pydantic models, and the message
lists of `schemas/asyncapi.yaml` from its template.

Run `make schemas` after changing a model; a test fails while the committed files drift.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from schemas.envelope import ENVELOPE_VERSION, EventEnvelope
from schemas.envelope_v1 import EventEnvelopeV1
from schemas.envelope_v1 import dataschema_uri as schema_id
from schemas.events_v1 import V1_PAYLOADS
from schemas.registry import PAYLOADS

SCHEMAS_DIR = Path(__file__).parent
JSON_DIR = SCHEMAS_DIR / "json"
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def rendered() -> dict[str, str]:
    """File name → JSON text, for every published schema."""
    files: dict[str, str] = {}
    envelope = EventEnvelopeV1.model_json_schema()
    envelope["$id"] = schema_id("EventEnvelope", 1)
    files["EventEnvelope.v1.json"] = _dump(envelope)
    envelope = EventEnvelope.model_json_schema()
    envelope |= {"$id": schema_id("EventEnvelope", ENVELOPE_VERSION), "$schema": DIALECT}
    files[f"EventEnvelope.v{ENVELOPE_VERSION}.json"] = _dump(envelope)
    for (name, version), model in PAYLOADS.items():
        schema = model.model_json_schema()
        schema["$id"] = schema_id(name, version)
        schema["x-aggregate-type"] = model.aggregate_type
        if version >= 2 or name not in V1_PAYLOADS:  # the files published with v1 stay byte for byte
            schema["$schema"] = DIALECT
        files[f"events/{name}.v{version}.json"] = _dump(schema)
    return files


def rendered_asyncapi() -> str:
    """asyncapi.yaml: the template with one message per contract, listing every payload version."""
    names = sorted({name for name, _ in PAYLOADS}, key=list(dict.fromkeys(name for name, _ in PAYLOADS)).index)
    regions = {
        "channel-messages": "".join(f"      {n}:\n        $ref: '#/components/messages/{n}'\n" for n in names),
        "operation-messages": "".join(f"      - $ref: '#/channels/ledgerEvents/messages/{n}'\n" for n in names),
        "component-messages": "".join(_message(n) for n in names),
    }
    text = (SCHEMAS_DIR / "asyncapi.template.yaml").read_text()
    for region, content in regions.items():
        text = re.sub(rf"^ *# @generated {region}\n", content.replace("\\", "\\\\"), text, flags=re.M)
    return text


def _message(name: str) -> str:
    versions = sorted(v for n, v in PAYLOADS if n == name)
    model = PAYLOADS[(name, versions[-1])]
    summary = json.dumps(" ".join((model.__doc__ or name).split()))
    oneof = "".join(
        f"              - properties:\n                  schemaversion:\n                    const: {v}\n"
        f"                  data:\n                    $ref: './json/events/{name}.v{v}.json'\n"
        for v in versions
    )
    return (
        f"    {name}:\n      name: {name}\n"
        f"      title: {name} ({model.aggregate_type}; payload versions {', '.join(map(str, versions))})\n"
        f"      summary: {summary}\n"
        "      traits:\n        - $ref: '#/components/messageTraits/ledgerEvent'\n"
        "      payload:\n        allOf:\n          - $ref: '#/components/schemas/EventEnvelope'\n"
        "          - type: object\n            properties:\n"
        f"              type:\n                pattern: '\\.{name}$'\n"
        f"              dataschema:\n                pattern: '/v1/schemas/json/events/{name}\\.v[0-9]+\\.json$'\n"
        f"            oneOf:\n{oneof}"
    )


def _dump(schema: dict[str, object]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def main() -> int:
    files = rendered()
    for name, text in files.items():
        path = JSON_DIR / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (SCHEMAS_DIR / "asyncapi.yaml").write_text(rendered_asyncapi())
    stale = {p.relative_to(JSON_DIR).as_posix() for p in JSON_DIR.rglob("*.json")} - set(files)
    for name in stale:
        (JSON_DIR / name).unlink()
    print(f"wrote {len(files)} schema files to {JSON_DIR}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
