"""The API reference at /docs, in a real headless Chromium: it loads cleanly from this
server alone, lists the clients endpoints, and "Try it out" changes a client.

Needs Debian's `chromium` (.ci/run installs it). Without it the test is skipped locally
and fails in CI (CI=true). Playwright drives that browser; it never downloads its own.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx2 as httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, sync_playwright

from tests.api.support import BASE, create, get
from tests.factories import Tenant

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The README's screenshots: refreshed only when asked, so a test run leaves the tree clean.
DOC_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CLIENT_PATHS = {
    ("post", BASE),
    ("get", BASE + "/{client_id}"),
    ("put", BASE + "/{client_id}"),
}

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        reason = f"{CHROMIUM} is missing (apt-get install -y chromium; .ci/run does it)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def test_try_it_out_updates_a_client(
    browser: Browser, served_client: httpx.Client, tenant: Tenant, tmp_path: Path
) -> None:
    update_docs = os.environ.get("CLIENTBOOK_UPDATE_SCREENSHOTS") == "1"
    screenshots = DOC_SCREENSHOTS if update_docs else tmp_path
    base = str(served_client.base_url).rstrip("/")
    client_id = create(served_client, tenant, last_name="Before")["id"]
    page: Page = browser.new_page(viewport={"width": 1280, "height": 1000})
    problems: list[str] = []
    elsewhere: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(message.text)

    def on_request(request: Request) -> None:
        if urlsplit(request.url).netloc != urlsplit(base).netloc:
            elsewhere.append(request.url)

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("request", on_request)

    page.goto(f"{base}/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=30_000)
    listed = set(
        zip(
            page.locator(".opblock").evaluate_all(
                "els => els.map(e => e.querySelector('.opblock-summary-method').textContent)"
            ),
            page.locator(".opblock-summary-path").evaluate_all(
                "els => els.map(e => e.getAttribute('data-path'))"
            ),
            strict=True,
        )
    )
    assert {(method.lower(), path) for method, path in listed} >= CLIENT_PATHS
    screenshots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(screenshots / "docs-reference.png"))

    # Authorize with a staff token, as a developer pastes it.
    page.click("button.authorize")
    page.fill("#auth-bearer-value", tenant.staff_token)
    page.click(".modal-ux button.modal-btn.authorize")
    page.click(".modal-ux button.btn-done")

    put = page.locator(f"#operations-clients-{_operation_id(page, 'put')}")
    put.locator(".opblock-summary").click()
    put.locator("button.try-out__btn").click()
    put.locator("input[placeholder='client_id']").fill(client_id)
    body = {"last_name": "After", "tags": "from-docs"}
    put.locator("textarea.body-param__text").fill(json.dumps(body))
    put.locator("button.execute").click()
    status = put.locator(".live-responses-table tr.response td.response-col_status").first
    status.wait_for(timeout=30_000)
    assert status.inner_text().strip().startswith("200")
    put.locator("button.execute").evaluate("e => e.scrollIntoView({block: 'start'})")
    page.screenshot(path=str(screenshots / "docs-try-it-out.png"))

    changed = get(served_client, tenant, client_id)
    assert (changed["last_name"], changed["tags"]) == ("After", ["from-docs"])
    assert problems == []
    assert elsewhere == []  # every asset came from this server: no CDN
    page.close()


def _operation_id(page: Page, method: str) -> str:
    """The id of `method` /clients/{client_id} in the served OpenAPI document."""
    document = page.request.get(page.url.replace("/docs", "/platform/v1/openapi.json")).json()
    operation_id: str = document["paths"][BASE + "/{client_id}"][method]["operationId"]
    return operation_id
