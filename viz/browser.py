"""Headless Debian Chromium driven by Playwright (never a browser download).

Used by the PNG rendering, the browser tests and the scale benchmark. Every
request the page makes is recorded; anything other than ``file:`` / ``data:``
/ ``about:`` is blocked and reported as leaving the machine.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from policykg.errors import ExitCode, MissingExtraError, PolicyKGError

log = logging.getLogger(__name__)

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync", "--disable-default-apps", "--disable-extensions",
        "--metrics-recording-only", "--no-default-browser-check", "--disable-features=Translate,MediaRouter"]
LOCAL = ("file:", "data:", "about:", "blob:")


class BrowserError(PolicyKGError):
    """No usable Chromium or Playwright."""

    exit_code = ExitCode.ERROR


@dataclass
class PageLog:
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


def executable() -> str:
    path = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if not path:
        raise BrowserError(f"no Chromium at {CHROMIUM}: install Debian's chromium package")
    return path


@contextmanager
def chromium(width: int = 1400, height: int = 900) -> Iterator[object]:
    """A browser context (Playwright) of headless Debian Chromium."""
    try:  # optional: the `png` extra
        from playwright.sync_api import sync_playwright
    except ImportError as e:
        raise MissingExtraError("png", "playwright", "drawing in headless Chromium (PNG output)") from e
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable(), headless=True, args=ARGS)
        try:
            # bypass_csp: Playwright evaluates its own scripts with eval, which the page's CSP forbids.
            yield browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1,
                                      bypass_csp=True)
        finally:
            browser.close()


def open_page(context: object, path: Path, log_: PageLog, wait_draw: bool = True, timeout_ms: int = 60_000):
    """Open ``path`` in a new page of ``context``; external requests are blocked and logged."""
    page = context.new_page()

    def route(r):
        url = r.request.url
        log_.requests.append(url)
        if url.startswith(LOCAL):
            r.continue_()
        else:
            log_.external_requests.append(url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: log_.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: log_.page_errors.append(str(e)))
    page.goto(Path(path).resolve().as_uri())
    if wait_draw:
        page.wait_for_function("window.PKV && window.PKV.ready && window.PKV.firstDraw !== null", timeout=timeout_ms)
    return page
