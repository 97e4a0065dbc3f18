"""One router per page group; the order is the order they are matched in."""

from __future__ import annotations

from services.web.routes import actions, audits, cycles, docs_pages, inspect, meetings, mywork, reports, signin, staff

ROUTERS = [
    signin.router,
    mywork.router,
    audits.router,
    cycles.router,
    actions.router,
    meetings.router,
    reports.router,
    staff.router,
    inspect.router,
    docs_pages.router,
]
