"""What the guidance flags, never refuses, about who audits what (section 5).

Auditors audit across the service, not within their own service area, except the exempt groups
(Early Help, Leaving Care, fostering managers); fostering managers complete fostering audits. An
allocation against either is recorded with a flag, so QA staff see it and can act on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from schemas.vocabulary import CROSS_SERVICE_EXEMPT_GROUPS, GROUP_TOOLS, AuditorGroup, AuditTool, ServiceArea


@dataclass(frozen=True)
class AllocationFlags:
    within_own_service_area: bool
    exempt_group: AuditorGroup | None
    expected_tool: AuditTool | None
    tool: AuditTool

    @classmethod
    def of(
        cls, auditor_area: ServiceArea, auditor_groups: list[AuditorGroup], case_area: ServiceArea, tool: AuditTool
    ) -> AllocationFlags:
        exempt = next((g for g in auditor_groups if g in CROSS_SERVICE_EXEMPT_GROUPS), None)
        expected = next((GROUP_TOOLS[g] for g in auditor_groups if g in GROUP_TOOLS), None)
        return cls(auditor_area == case_area, exempt, expected, tool)

    @property
    def flagged_own_service_area(self) -> bool:
        return self.within_own_service_area and self.exempt_group is None

    @property
    def flagged_tool(self) -> bool:
        return self.expected_tool is not None and self.tool != self.expected_tool

    def as_event_fields(self) -> dict[str, Any]:
        return {
            "within_own_service_area": self.within_own_service_area,
            "exempt_group": self.exempt_group.value if self.exempt_group else None,
            "flagged_own_service_area": self.flagged_own_service_area,
            "expected_tool": self.expected_tool.value if self.expected_tool else None,
            "flagged_tool": self.flagged_tool,
        }
