"""Pages about the service itself: its accessibility statement."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.web.pages import render

router = APIRouter()


@router.get("/accessibility")
async def accessibility(request: Request) -> Response:
    return render(request, "pages/accessibility.html")
