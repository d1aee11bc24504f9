"""The interactive API reference at /docs: Swagger UI, every asset served from this server.

The Swagger UI files come from the `swagger-ui-py` package (its `static/` folder), so the
page works offline and loads nothing from a CDN. "Try it out" calls this same server with
the Bearer token pasted under "Authorize".
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from fastapi import APIRouter, FastAPI
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

DOCS_PATH = "/docs"
ASSETS_PATH = "/docs/assets"


def assets_directory() -> Path:
    """The Swagger UI dist files of the installed swagger-ui-py (found without importing it)."""
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the swagger-ui-py package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def mount(app: FastAPI, *, openapi_url: str) -> None:
    """Serve the page at /docs and its assets under /docs/assets."""
    page = _PAGE.replace("{assets}", ASSETS_PATH).replace("{openapi_url}", openapi_url)
    router = APIRouter(include_in_schema=False)

    @router.get(DOCS_PATH, response_class=HTMLResponse)
    def docs_page() -> HTMLResponse:
        """The Swagger UI page."""
        return HTMLResponse(page)

    app.include_router(router)
    app.mount(ASSETS_PATH, StaticFiles(directory=assets_directory()), name="docs-assets")


_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>clientbook API reference</title>
  <link rel="icon" type="image/png" href="{assets}/favicon-32x32.png">
  <link rel="stylesheet" href="{assets}/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{assets}/swagger-ui-bundle.js"></script>
  <script src="{assets}/swagger-ui-standalone-preset.js"></script>
  <script>
    window.ui = SwaggerUIBundle({
      url: "{openapi_url}",
      dom_id: "#swagger-ui",
      deepLinking: true,
      persistAuthorization: true,
      displayRequestDuration: true,
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      plugins: [SwaggerUIBundle.plugins.DownloadUrl],
      layout: "BaseLayout",
      validatorUrl: null
    });
  </script>
</body>
</html>
"""
