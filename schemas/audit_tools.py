"""Audit tools as versioned data: each tool's domains live in `schemas/tools/<tool>.v<N>.json`.

A new version of a tool is a new file; audits record the tool and version they were done with,
so an old audit is always read against the domains it was graded on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from schemas.vocabulary import AuditTool

TOOLS_DIR = Path(__file__).parent / "tools"


@dataclass(frozen=True)
class Domain:
    id: str
    title: str


@dataclass(frozen=True)
class AuditToolDefinition:
    tool: AuditTool
    version: int
    title: str
    used_by: str
    sample_domains: bool
    note: str  # what the guidance says of the tool, and what is this system's sample
    domains: tuple[Domain, ...]

    @property
    def domain_ids(self) -> frozenset[str]:
        return frozenset(d.id for d in self.domains)


class UnknownToolVersion(LookupError):
    pass


@cache
def load_tool(tool: AuditTool | str, version: int | None = None) -> AuditToolDefinition:
    """The given version of a tool, or its latest when no version is named."""
    tool = AuditTool(tool)
    versions = available_versions(tool)
    chosen = max(versions) if version is None else version
    if chosen not in versions:
        raise UnknownToolVersion(f"{tool.value} has no version {version}; available: {sorted(versions)}")
    doc = json.loads((TOOLS_DIR / f"{tool.value}.v{chosen}.json").read_text())
    return AuditToolDefinition(
        tool=tool,
        version=doc["version"],
        title=doc["title"],
        used_by=doc["used_by"],
        sample_domains=doc["sample_domains"],
        note=doc["note"],
        domains=tuple(Domain(d["id"], d["title"]) for d in doc["domains"]),
    )


def available_versions(tool: AuditTool) -> set[int]:
    return {int(p.stem.rsplit(".v", 1)[1]) for p in TOOLS_DIR.glob(f"{tool.value}.v*.json")}


def all_tools() -> list[AuditToolDefinition]:
    return [load_tool(t) for t in AuditTool]
