"""The report in a real browser (headless Chromium): what a reader sees, and that a map and
log full of hostile strings run no script and load nothing.

Chromium comes from Debian's package (`.ci/run` installs it). Without it the test skips,
but only outside CI: with the CI variable set, a missing browser fails the test.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from journeymine.report import build_report
from journeymine.warehouse import connect
from tests.conftest import REPO
from tests.report.conftest import make_hostile

ARTIFACTS = REPO / "tests" / "artifacts"  # ignored by git: the screenshots of the last run


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed, and under CI the browser test must run")
    pytest.skip("chromium is not installed (apt-get install chromium); CI is not set")


def _browse(html: Path, tmp: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            _chromium(), "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", "--hide-scrollbars", f"--user-data-dir={tmp / 'profile'}",
            "--virtual-time-budget=3000", *extra, html.as_uri(),
        ],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip


class _Counting(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Counting.hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def listener() -> Iterator[tuple[int, list[str]]]:
    """A local web server that records every request (nothing may reach it)."""
    _Counting.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], _Counting.hits
    server.shutdown()


def _visible_text(dom: str, element_id: str) -> str:
    """The text inside the element with ``element_id`` (up to the next section)."""
    start = dom.index(f'id="{element_id}"')
    chunk = dom[start : dom.find("<section", start + 1) if "<section" in dom[start + 1 :] else None]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", chunk))


def test_the_report_renders_in_a_browser(mined_warehouse: Path, tmp_path: Path) -> None:
    with connect(mined_warehouse, read_only=True) as con:
        built = build_report(con, tmp_path / "report")
    dom = _browse(built.html, tmp_path, "--dump-dom").stdout
    headline = _visible_text(dom, "headline")
    assert f"{built.summary['headline']['journeys']:,} journeys" in headline
    assert "reached a goal" in headline and "findings" in headline
    # the funnel: a bar per stage
    assert dom.count('class="funnel-stage"') == 5
    assert "awareness" in _visible_text(dom, "funnel")
    # the map with its swimlanes, its touchpoints and the emotion lane
    assert re.findall(r'class="lane" data-channel="(\w+)"', dom) == ["web", "social", "chat"]
    assert dom.count('class="touchpoint') == 18
    assert 'data-touchpoint="payment"' in dom and "flag-badge" in dom
    assert dom.count('class="emotion"') == 5
    # the top finding, in words
    top = built.summary["findings"][0]
    assert top["subject"] == "payment"
    assert "Payment leave without going on as designed" in _visible_text(dom, "finding-1")
    shot = tmp_path / "report.png"
    _browse(built.html, tmp_path, f"--screenshot={shot}", "--window-size=1400,2000")
    assert shot.stat().st_size > 10_000
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(shot, ARTIFACTS / "report.png")


def test_hostile_strings_run_nothing_and_load_nothing(
    mined_warehouse: Path, tmp_path: Path, listener: tuple[int, list[str]]
) -> None:
    port, hits = listener
    hostile = make_hostile(mined_warehouse, tmp_path / "hostile.duckdb", port)
    with connect(hostile, read_only=True) as con:
        built = build_report(con, tmp_path / "report")
    dom = _browse(built.html, tmp_path, "--dump-dom").stdout
    # no injected script ran: it would have marked the document (window.__pwned with it)
    html_tag = re.search(r"<html[^>]*>", dom)
    assert html_tag is not None and "data-pwned" not in html_tag.group(0)
    # no element the hostile strings tried to add exists in the rendered DOM
    for tag in ("<script", "<img", "<iframe", "<link", "<a "):
        assert tag not in dom.lower()
    assert "window.__pwned=1" in dom  # the label is there, as text
    shot = tmp_path / "hostile.png"
    _browse(built.html, tmp_path, f"--screenshot={shot}", "--window-size=1400,2000")
    assert hits == []  # nothing was fetched from the server the strings point at
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(shot, ARTIFACTS / "report-hostile.png")
