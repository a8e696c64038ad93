"""A real headless browser for the tests: Debian's Chromium, driven by Playwright.

`make browser` (a step of `make test`) installs Chromium with apt; Playwright never downloads a
browser of its own here. Each test gets a fresh profile, and every request to anything but
127.0.0.1 is blocked and recorded, so that a test can assert that none was attempted.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import re

from playwright.sync_api import BrowserContext, Page, Route, expect, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync")
TIMEOUT_MS = 120_000  # the server and the editor are slow on two cores


@dataclass
class Browser:
    context: BrowserContext
    blocked: list[str] = field(default_factory=list)  # requests to other hosts than 127.0.0.1


@pytest.fixture
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    """A Chromium context with a fresh user data dir; only 127.0.0.1 answers."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make browser` installs it (apt-get install chromium)")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            tmp_path_factory.mktemp("chromium-profile"), executable_path=str(CHROMIUM),
            args=list(CHROMIUM_ARGS), headless=True, viewport={"width": 1600, "height": 1200})
        browser = Browser(context)

        def local_only(route: Route) -> None:
            if urlsplit(route.request.url).hostname == "127.0.0.1":
                route.continue_()
            else:
                browser.blocked.append(route.request.url)
                route.abort()

        context.route("**/*", local_only)
        context.set_default_timeout(TIMEOUT_MS)
        expect.set_options(timeout=TIMEOUT_MS)
        try:
            yield browser
        finally:
            context.close()


def log_in(page: Page, url: str, email: str, password: str) -> None:
    """Log in through the server's login page."""
    page.goto(f"{url}/user/login/")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).not_to_have_url(re.compile(r"/user/login"))


def open_task(page: Page, url: str, project_id: int, task_ids: Mapping[str, int], doc_id: str, text: str) -> None:
    """Open the project's task list, and the document's task in the editor, as an annotator does.

    (Loading `data?task=<id>` directly races the task list on a busy server: the editor may then
    start from an empty annotation instead of the saved ones.)
    """
    page.goto(f"{url}/projects/{project_id}/data")
    rows = page.locator(".lsf-table-row")
    expect(rows).to_have_count(len(task_ids))
    row = rows.filter(has_text=text[:80])
    expect(row).to_have_count(1)
    row.click()
    expect(page).to_have_url(re.compile(rf"[?&]task={task_ids[doc_id]}(&|$)"))
