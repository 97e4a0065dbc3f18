"""Controlled vocabularies from the QA guidance, shared by every event and read model."""

from __future__ import annotations

from enum import StrEnum


class Grade(StrEnum):
    OUTSTANDING = "outstanding"
    GOOD = "good"
    REQUIRES_IMPROVEMENT = "requires_improvement"
    INADEQUATE = "inadequate"


class ServiceArea(StrEnum):
    EARLY_HELP = "early_help_and_support"
    MASH_ASSESSMENT = "mash_assessment_support_awaken"
    STRENGTHENING_FAMILIES = "strengthening_supporting_families"
    SUPPORTING_OUR_CHILDREN = "supporting_our_children"
    ADOLESCENT = "adolescent"
    SAFEGUARDING_QUALITY_REVIEW = "safeguarding_quality_review"


SERVICE_AREA_TITLES: dict[ServiceArea, str] = {
    ServiceArea.EARLY_HELP: "Early Help & Support",
    ServiceArea.MASH_ASSESSMENT: "MASH, Assessment & Support Teams & Awaken",
    ServiceArea.STRENGTHENING_FAMILIES: "Strengthening & Supporting Families",
    ServiceArea.SUPPORTING_OUR_CHILDREN: "Supporting Our Children, Adoption, Fostering & Residential Homes",
    ServiceArea.ADOLESCENT: "Adolescent (incl. Leaving Care, Youth Justice)",
    ServiceArea.SAFEGUARDING_QUALITY_REVIEW: "Safeguarding, Quality & Review",
}


class Role(StrEnum):
    AUDITOR = "auditor"
    TEAM_MANAGER = "team_manager"
    SERVICE_MANAGER = "service_manager"
    HEAD_OF_SERVICE = "head_of_service"
    ASSISTANT_DIRECTOR = "assistant_director"
    QA_MANAGER = "qa_manager"
    PRINCIPAL_SOCIAL_WORKER = "principal_social_worker"
    PRACTICE_DEVELOPMENT_LEADER = "practice_development_leader"
    EXTERNAL_AUDITOR = "external_auditor"
    INSPECTOR = "inspector"
    SERVICE = "service"


class AuditorGroup(StrEnum):
    """Groups that carry the guidance's exceptions (section 5) and monthly quotas."""

    EARLY_HELP_TEAM_LEADER = "early_help_team_leader"
    EARLY_HELP_TEAM_MANAGER = "early_help_team_manager"
    LEAVING_CARE = "leaving_care"
    YOUTH_JUSTICE = "youth_justice"
    FOSTERING_MANAGER = "fostering_manager"
    EXTERNAL = "external"


# Groups "not expected to audit across the rest of the service" (guidance section 5): an
# allocation inside their own service area is normal for them, so it is not flagged.
CROSS_SERVICE_EXEMPT_GROUPS: frozenset[AuditorGroup] = frozenset(
    {
        AuditorGroup.EARLY_HELP_TEAM_LEADER,
        AuditorGroup.EARLY_HELP_TEAM_MANAGER,
        AuditorGroup.LEAVING_CARE,
        AuditorGroup.FOSTERING_MANAGER,
    }
)


class AuditTool(StrEnum):
    TEN_DOMAIN = "ten_domain"
    EARLY_HELP = "early_help"
    FOSTERING = "fostering"
    VICTIM = "victim"
    SPECIALIST = "specialist"


# Auditor groups with a tool of their own (guidance section 5): "Fostering managers are part of the
# audit cycle, but complete fostering audits". Another tool is flagged, not refused.
GROUP_TOOLS: dict[AuditorGroup, AuditTool] = {AuditorGroup.FOSTERING_MANAGER: AuditTool.FOSTERING}


class ParticipantCapacity(StrEnum):
    """In what capacity someone took part in a reflective case discussion."""

    AUDITOR = "auditor"
    ALLOCATED_PRACTITIONER = "allocated_practitioner"
    PRACTITIONER_MANAGER = "practitioner_manager"
    OTHER_PRACTITIONER = "other_practitioner"
    OTHER_MANAGER = "other_manager"
    TEAM_MANAGER = "team_manager"
    SERVICE_MANAGER = "service_manager"


class AbsenceReason(StrEnum):
    """Why the allocated practitioner or their manager did not take part in the reflective case
    discussion (SPEC 7: they take part, or a reason is recorded)."""

    LEFT_THE_SERVICE = "left_the_service"
    LONG_TERM_ABSENCE = "long_term_absence"
    OTHER = "other"  # with a note saying what


class EvidenceSource(StrEnum):
    """The wider evidence the guidance names beside audits (section 2)."""

    COMPLAINT = "complaint"
    COMPLIMENT = "compliment"
    SERVICE_QUALITY_REVIEW = "service_quality_review"
    FAMILY_FEEDBACK = "family_feedback"  # from children, young people and families
    INSPECTION_FINDING = "inspection_finding"


class ActionSourceKind(StrEnum):
    REFLECTIVE_DISCUSSION = "reflective_discussion"
    MODERATION = "moderation"
    HOS_QA_MEETING = "hos_qa_meeting"
    ADQA_MEETING = "adqa_meeting"


class MeetingKind(StrEnum):
    HOS_QA = "hos_qa"
    ADQA = "adqa"


class MeetingFocus(StrEnum):
    PERFORMANCE_DATA = "performance_data"
    AUDIT_FINDINGS = "audit_findings"
    SERVICE_OVERVIEW = "service_overview"


class NotificationChannel(StrEnum):
    EMAIL = "email"
    WEBHOOK = "webhook"
