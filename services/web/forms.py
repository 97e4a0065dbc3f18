"""From an HTML form to a command body, and from a problem-details answer back to the form.

Inputs are named by the API's field paths (`domain_findings.0.grade`), so a refusal naming a field
finds its input: the error summary links to `#domain_findings-0-grade` and the message sits beside it.
The web checks nothing itself: what is required, and why, is the ledger's to say.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

from services.web.api import ApiProblem, FieldError

FIELD_LABELS = {
    "If-Match": "This record",
    "body": "The form",
}
CONFLICT_TEXT = "Someone else changed this record since you opened it. Reload the page to see their change."


def field_id(path: str) -> str:
    return path.replace(".", "-")


@dataclass
class FormErrors:
    """What the error summary lists, and each input's own message."""

    summary: list[dict[str, str]] = field(default_factory=list)
    by_field: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.summary)

    def message(self, path: str) -> dict[str, str] | None:
        text = self.by_field.get(path)
        return {"text": text} if text else None


def form_errors(
    problem: ApiProblem, fields: list[str], labels: dict[str, str] | None = None, dates: tuple[str, ...] = ()
) -> FormErrors:
    """Each named field links to its input, or to the nearest input under it (`domain_findings` ->
    `domain_findings.0.finding`); a refusal that names no field links to the first input."""
    labels = {**FIELD_LABELS, **(labels or {})}
    errors = FormErrors()
    named: list[FieldError | None] = list(problem.errors) or [None]
    for error in named:
        if error is None or not error.field:
            text = CONFLICT_TEXT if problem.status == 409 and "version" in problem.detail.lower() else problem.detail
            errors.summary.append({"text": text, "href": f"#{field_id(fields[0])}" if fields else "#main-content"})
            continue
        target = nearest(error.field, fields)
        label = labels.get(error.field) or labels.get(target or "") or humanise(error.field)
        text = f"{label}: {error.rule}" if error.rule else label
        anchor = field_id(target or (fields[0] if fields else "main-content"))
        errors.summary.append({"text": text, "href": f"#{anchor}-day" if target in dates else f"#{anchor}"})
        if target:
            errors.by_field.setdefault(target, error.rule or problem.detail)
    return errors


def nearest(path: str, fields: list[str]) -> str | None:
    if path in fields:
        return path
    under = [f for f in fields if f.startswith(path + ".") or f.startswith(path.rstrip("s") + ".")]
    if under:
        return under[0]
    parts = path.split(".")
    while parts:
        parts.pop()
        candidate = ".".join(parts)
        if candidate in fields:
            return candidate
    return None


def humanise(path: str) -> str:
    words = [p for p in path.split(".") if not p.isdigit()]
    text = " ".join(words).replace("_", " ").strip()
    return text[:1].upper() + text[1:] if text else "The form"


def text(form: FormData, name: str) -> str | None:
    """A filled-in text input, or None: an empty input is left out, so the API says it is required."""
    value = form.get(name)
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value or None


def texts(form: FormData, name: str) -> list[str]:
    return [v.strip() for v in form.getlist(name) if isinstance(v, str) and v.strip()]


def lines(form: FormData, name: str) -> list[str]:
    """A textarea with one entry per line (e.g. measures reviewed)."""
    value = text(form, name) or ""
    return [line.strip() for line in value.splitlines() if line.strip()]


def compact(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None}


def day(form: FormData, name: str) -> str | None:
    """A GOV.UK date input (`name-day`, `name-month`, `name-year`) as the ISO date the API reads.
    Whatever was typed goes to the API as it is, so the API's own rule says what is wrong with it."""
    parts = [text(form, f"{name}-{p}") or "" for p in ("year", "month", "day")]
    if not any(parts):
        return None
    year, month, day_ = parts
    if month.isdigit() and day_.isdigit():
        month, day_ = month.zfill(2), day_.zfill(2)
    return f"{year}-{month}-{day_}"


def handles(form: FormData, name: str) -> list[str]:
    """Staff handles typed into one input, separated by commas or spaces."""
    value = text(form, name) or ""
    return [h for h in value.replace(",", " ").split() if h]


def values_of(form: FormData) -> dict[str, str]:
    """What the person typed, to show again beside the errors (never the CSRF token)."""
    return {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
