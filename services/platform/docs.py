"""`/docs` (Swagger UI) and `/redoc` with their scripts, styles and icon served by the service itself,
so the API reference renders on an intranet with no internet (FastAPI's defaults load them from a CDN).

The assets come from the `fastapi-offline` package, which ships Swagger UI and ReDoc with their licences.
"""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.routing import Route

ASSETS = "/docs-assets"
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def serve_docs_offline(app: FastAPI) -> None:
    """Replace FastAPI's CDN-loading `/docs` and `/redoc` pages with local ones."""
    app.router.routes[:] = [
        r
        for r in app.router.routes
        if not (isinstance(r, Route) and r.path in ("/docs", "/redoc", "/docs/oauth2-redirect"))
    ]
    static = resources.files("fastapi_offline") / "static"
    # ReDoc's sidebar shows the Redocly logo from their CDN: point it at our own icon instead.
    redoc_js = (static / "redoc.standalone.js").read_text(encoding="utf-8").replace(REDOC_LOGO, f"{ASSETS}/favicon.png")

    @app.get(f"{ASSETS}/redoc.standalone.js", include_in_schema=False)
    def redoc_script() -> Response:
        return Response(redoc_js, media_type="text/javascript; charset=utf-8")

    app.mount(ASSETS, StaticFiles(directory=str(static)), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"
    title = app.title

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{title}: API reference",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon.png",
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=f"{title}: API reference",
            redoc_js_url=f"{ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS}/favicon.png",
            with_google_fonts=False,
        )
