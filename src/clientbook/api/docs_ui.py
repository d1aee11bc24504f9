"""The interactive API reference at /docs: Swagger UI, every asset served from this server.

The Swagger UI files come from the `swagger-ui-py` package (its `static/` folder), so the
page works offline and loads nothing from a CDN. "Try it out" calls this same server with
the Bearer token pasted under "Authorize".
"""

from __future__ import annotations

import importlib.util
import mimetypes
from functools import cache, lru_cache
from pathlib import Path

import orjson

from clientbook.api import openapi
from clientbook.api.edge import Answer, Call
from clientbook.api.routing import RouteTable
from clientbook.errors import NotFound

DOCS_PATH = "/docs"
ASSETS_PATH = "/docs/assets"
OPENAPI_URL = "/platform/v1/openapi.json"
table = RouteTable()


def assets_directory() -> Path:
    """The Swagger UI dist files of the installed swagger-ui-py (found without importing it)."""
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the swagger-ui-py package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


@table.route("GET", DOCS_PATH, documented=False)
async def docs_page(_call: Call) -> Answer:
    """The Swagger UI page."""
    return Answer(200, body=_page(), content_type=b"text/html; charset=utf-8")


@table.route("GET", ASSETS_PATH + "/{path:path}", documented=False)
async def docs_asset(call: Call) -> Answer:
    """One Swagger UI file (never a file outside the package's static folder)."""
    found = _asset(call.params["path"])
    if found is None:
        raise NotFound
    content, media_type = found
    return Answer(200, body=content, content_type=media_type.encode())


@table.route("GET", OPENAPI_URL, documented=False)
async def openapi_document(call: Call) -> Answer:
    """The OpenAPI document of every route the app serves."""
    document = call.app.openapi
    if document is None:
        assert call.app.table is not None
        document = call.app.openapi = openapi.document(call.app.table)
    return Answer(200, body=orjson.dumps(document))


@cache
def _page() -> bytes:
    return _PAGE.replace("{assets}", ASSETS_PATH).replace("{openapi_url}", OPENAPI_URL).encode()


@lru_cache(maxsize=128)
def _asset(name: str) -> tuple[bytes, str] | None:
    root = assets_directory().resolve()
    path = (root / name).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if media_type.startswith("text/") or media_type == "application/javascript":
        media_type += "; charset=utf-8"
    return path.read_bytes(), media_type


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
