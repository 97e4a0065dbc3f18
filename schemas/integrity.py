"""The hash chain's rules, and the continuity check a subscriber runs on every envelope.

Every published envelope is a link of one chain: `sequence` counts the links with no gap,
`prevhash` is the previous link's `integrityhash`, and `integrityscheme` names the rule that made
`integrityhash`. Recompute it from the envelope as received (its JSON object):

Rule 2 (every event recorded since contract v2):
    integrityhash = hex(SHA-256(UTF-8(JCS(C))))
  where C is the object of these envelope attributes, with their values exactly as in the
  envelope's JSON (an absent attribute is null): specversion, id, subject, time, datacontenttype,
  schemaversion, aggregatetype, aggregateid, aggregateversion, position, sequence, occurredat,
  recordedat, actorid, actorrole, correlationid, causationid, integrityscheme, prevhash, data,
  plus `contract`: the contract name, i.e. the last dot-separated part of `type`. JCS is the
  JSON Canonicalization Scheme (RFC 8785); for QA Ledger's values (no floating-point numbers) it is
  Python's `json.dumps(C, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`.
  `type`'s prefix, `source` and `dataschema` are deployment presentation and are not covered, so
  changing them never breaks verification; everything the ledger decided is.

Rule 1 (events recorded before contract v2, as they were):
    integrityhash = hex(SHA-256(UTF-8(prevhash or "") + canonical v1 envelope))
  where the canonical v1 envelope is the envelope as contract v1 published it (type = the contract
  name, source = urn:qa-ledger:ledger, dataschema = urn:qa-ledger:schema:<Name>:v<N>, no
  sequence or integrityscheme), serialised by `schemas.envelope_v1.EventEnvelopeV1` in JSON mode
  without its hash fields, with sorted keys, separators (",", ":") and ensure_ascii=False.

A later rule (issue 13, crypto-shredding) may commit to a salted commitment of each sensitive
field instead of its plain text, so that destroying a key leaves the chain verifiable: it will be
rule 3, and rules 1 and 2 stay verifiable as they are.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from schemas.envelope_v1 import SOURCE as V1_SOURCE
from schemas.envelope_v1 import EventEnvelopeV1
from schemas.envelope_v1 import dataschema_uri as v1_dataschema

RULE_V1, RULE_V2 = 1, 2
CURRENT_RULE = RULE_V2
RULE_2_ATTRIBUTES = (
    "specversion",
    "id",
    "subject",
    "time",
    "datacontenttype",
    "schemaversion",
    "aggregatetype",
    "aggregateid",
    "aggregateversion",
    "position",
    "sequence",
    "occurredat",
    "recordedat",
    "actorid",
    "actorrole",
    "correlationid",
    "causationid",
    "integrityscheme",
    "prevhash",
    "data",
)


def contract_name(event_type: str) -> str:
    """`uk.gov.example.qa-ledger.AuditAllocated` (or v1's `AuditAllocated`) → `AuditAllocated`."""
    return event_type.rsplit(".", 1)[-1]


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def rule_2_form(envelope: Mapping[str, Any]) -> dict[str, Any]:
    covered = {name: envelope.get(name) for name in RULE_2_ATTRIBUTES}
    return {**covered, "contract": contract_name(envelope["type"])}


def rule_1_form(envelope: Mapping[str, Any]) -> bytes:
    name = contract_name(envelope["type"])
    v1 = {key: value for key, value in envelope.items() if key in EventEnvelopeV1.model_fields}
    v1 |= {"type": name, "source": V1_SOURCE, "dataschema": v1_dataschema(name, envelope["schemaversion"])}
    body = EventEnvelopeV1.model_validate(v1).model_dump(mode="json", exclude={"integrityhash", "prevhash"})
    return canonical_json(body)


def integrity_hash(envelope: Mapping[str, Any]) -> str:
    """What `integrityhash` must be for this envelope (a JSON object, as published), by its rule."""
    rule = envelope.get("integrityscheme", RULE_V1)
    if rule == RULE_V2:
        return hashlib.sha256(canonical_json(rule_2_form(envelope))).hexdigest()
    if rule == RULE_V1:
        return hashlib.sha256((envelope.get("prevhash") or "").encode() + rule_1_form(envelope)).hexdigest()
    raise ValueError(f"unknown integrityscheme {rule!r}: this copy of schemas/ knows rules 1 and 2")


def continuity_problem(previous: Mapping[str, Any] | None, envelope: Mapping[str, Any]) -> str | None:
    """Why `envelope` does not follow `previous` (None: it is the first one you hold), or None.

    A subscriber that checks every envelope it applies, in order, from sequence 1 (or from one it
    verified before) has proof that it missed nothing, saw nothing twice and nothing was altered.
    """
    sequence = envelope.get("sequence")
    if integrity_hash(envelope) != envelope.get("integrityhash"):
        return f"sequence {sequence}: the envelope does not match its integrityhash"
    if previous is None:
        if sequence == 1 and envelope.get("prevhash") is not None:
            return "sequence 1: the first link has no predecessor, but prevhash is set"
        return None
    if sequence != previous["sequence"] + 1:
        return f"sequence {sequence} follows {previous['sequence']}: missed or repeated events"
    if envelope.get("prevhash") != previous["integrityhash"]:
        return f"sequence {sequence}: prevhash is not the previous envelope's integrityhash"
    return None
