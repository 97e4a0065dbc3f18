"""Who may do what (SPEC section 1). Scope rules (own audits, own team) narrow this further."""

from __future__ import annotations

from schemas.vocabulary import Role

R = Role
MANAGERS = frozenset({R.TEAM_MANAGER, R.SERVICE_MANAGER, R.HEAD_OF_SERVICE, R.ASSISTANT_DIRECTOR, R.QA_MANAGER})
STAFF_ROLES = frozenset(set(Role) - {R.INSPECTOR, R.SERVICE})

COMMANDS: dict[str, frozenset[Role]] = {
    "register_staff": frozenset({R.QA_MANAGER}),
    "change_staff": frozenset({R.QA_MANAGER}),
    "schedule_cycle": frozenset({R.QA_MANAGER}),
    "close_cycle": frozenset({R.QA_MANAGER}),
    "schedule_specialist_audit": frozenset({R.QA_MANAGER}),
    "allocate_audit": frozenset({R.QA_MANAGER, R.HEAD_OF_SERVICE}),
    "reallocate_audit": frozenset({R.QA_MANAGER, R.HEAD_OF_SERVICE}),
    # Submission is scoped to the allocated auditor whatever their role.
    "submit_audit": STAFF_ROLES,
    "amend_audit": STAFF_ROLES,
    "record_reflective_discussion": frozenset({R.TEAM_MANAGER, R.SERVICE_MANAGER}),
    "moderate_audit": frozenset({R.QA_MANAGER, R.PRINCIPAL_SOCIAL_WORKER}),
    "withdraw_audit": frozenset({R.QA_MANAGER}),
    # The PSW moderates, so may agree actions from a moderation (and only those: see agree_action).
    "agree_action": MANAGERS | {R.PRINCIPAL_SOCIAL_WORKER},
    # Progress and completion are scoped to the owner or a manager above the owner.
    "update_action": STAFF_ROLES,
    "record_hos_qa_meeting": frozenset({R.HEAD_OF_SERVICE, R.QA_MANAGER}),
    "record_adqa_meeting": frozenset({R.ASSISTANT_DIRECTOR, R.QA_MANAGER}),
    "request_thematic_audit": frozenset({R.ASSISTANT_DIRECTOR}),
    # Managers record wider evidence for their own service area; the AD and QA Manager for any.
    "record_wider_evidence": MANAGERS,
    # Early Help Service Managers (scope: the Early Help service area).
    "summarise_early_help_learning": frozenset({R.SERVICE_MANAGER}),
    "record_notification": frozenset({R.SERVICE}),
    # A `service` token (a machine subscriber) reads the feed and nothing else.
    "read_feed": frozenset({R.QA_MANAGER, R.INSPECTOR, R.SERVICE}),
    "read_stream": frozenset({R.QA_MANAGER, R.INSPECTOR}),
    # Scoped further as the trails are (application/audit_reads.py).
    "read_audit": STAFF_ROLES | {R.INSPECTOR},
    "verify_integrity": frozenset({R.QA_MANAGER, R.INSPECTOR}),
}
