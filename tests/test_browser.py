"""A rendered report and the index in a real browser: headless Chromium driven over CDP.

Chromium is started with ``--remote-debugging-port=0`` and driven through the Chrome DevTools
Protocol with ``websocket-client`` (installed with jupyter-server; no dependency is added).
All host names resolve to nothing (``--host-resolver-rules``), so a page that needed the network
would show failed requests. Checked: no console errors or uncaught exceptions, no request other
than ``file:`` and ``data:``, every image decoded (``naturalWidth > 0``), every index link opens a
report. A full-page screenshot of the report is saved (``$KIRC_SCREENSHOTS`` keeps a copy).
"""

from __future__ import annotations

import base64
import http.client
import itertools
import json
import os
import shutil
import struct
import subprocess
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

websocket = pytest.importorskip("websocket", reason="websocket-client (a jupyter-server "
                                                    "dependency) is not installed")



def _chromium() -> str | None:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser"), shutil.which("google-chrome")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


CHROMIUM = _chromium()
#: a browser: outside the inner loop (pytest -m "not slow")
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed "
                                 "(.ci/run installs Debian's chromium package)")]


class Browser:
    """Just enough of a CDP client: one page, commands, collected events."""

    def __init__(self, profile: Path):
        self.profile = profile
        self.log = open(profile.parent / "chromium.log", "wb")
        self.process = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--disable-extensions", "--hide-scrollbars",
             "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
             "--remote-debugging-port=0", "--remote-allow-origins=*",
             f"--user-data-dir={profile}", "--window-size=1280,2000", "about:blank"],
            stdout=self.log, stderr=subprocess.STDOUT)
        self.ids = itertools.count(1)
        self.events: list[dict] = []
        try:
            port = self._port()
            targets = self._http_json(port, "/json/list")
            page = next(t for t in targets if t.get("type") == "page")
            self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60,
                                                  suppress_origin=True)
        except Exception:
            self.close()
            raise
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")

    def _port(self) -> int:
        active = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Chromium exited with {self.process.returncode}: "
                                   + self.log_tail())
            if active.is_file():
                lines = active.read_text().splitlines()
                if lines and lines[0].isdigit():
                    return int(lines[0])
            time.sleep(0.1)
        raise RuntimeError("Chromium did not open its debugging port: " + self.log_tail())

    @staticmethod
    def _http_json(port: int, path: str):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            connection.request("GET", path)
            return json.loads(connection.getresponse().read())
        finally:
            connection.close()

    def log_tail(self) -> str:
        self.log.flush()
        return (self.profile.parent / "chromium.log").read_text(errors="replace")[-2000:]

    def send(self, method: str, **params):
        number = next(self.ids)
        self.ws.send(json.dumps({"id": number, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == number:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, event: str, timeout: float = 60):
        deadline = time.monotonic() + timeout
        seen = len(self.events)
        while time.monotonic() < deadline:
            for message in self.events[seen:]:
                if message.get("method") == event:
                    return message
            seen = len(self.events)
            self.ws.settimeout(max(0.1, deadline - time.monotonic()))
            self.events.append(json.loads(self.ws.recv()))
        raise TimeoutError(event)

    def open(self, url: str) -> list[dict]:
        """Load a page; returns the events of that load."""
        start = len(self.events)
        result = self.send("Page.navigate", url=url)
        assert "errorText" not in result, result
        self.wait_for("Page.loadEventFired")
        self.evaluate("new Promise(r => requestAnimationFrame(() => setTimeout(r, 100)))")
        return self.events[start:]

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True,
                           awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"].get("value")

    def screenshot(self, path: Path, width: int = 1280) -> bytes:
        height = int(self.evaluate("document.documentElement.scrollHeight"))
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=min(height, 16000),
                  deviceScaleFactor=1, mobile=width < 600)
        data = base64.b64decode(self.send("Page.captureScreenshot", format="png")["data"])
        path.write_bytes(data)
        self.send("Emulation.clearDeviceMetricsOverride")
        return data

    def close(self):
        try:
            if getattr(self, "ws", None) is not None:
                try:
                    self.send("Browser.close")
                except Exception:
                    pass
                self.ws.close()
        finally:
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.terminate()
                self.process.wait(timeout=10)
            self.log.close()


def problems(events: list[dict]) -> list[str]:
    """Console errors, uncaught exceptions, failed loads and requests that left the disk."""
    found = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            found.append(f"console.{params['type']}: "
                         + " ".join(str(a.get("value", a.get("description")))
                                    for a in params.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            found.append(f"exception: {params['exceptionDetails'].get('text')}")
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            found.append(f"log: {params['entry'].get('text')} {params['entry'].get('url', '')}")
        elif method == "Network.loadingFailed":
            found.append(f"failed load: {params.get('errorText')}")
        elif method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            if not url.startswith(("file://", "data:")):
                found.append(f"network request: {url[:120]}")
    return found


@pytest.fixture(scope="module")
def rendered(rendered_2025):
    return rendered_2025["output"]


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    session = Browser(tmp_path_factory.mktemp("chromium") / "profile")
    yield session
    session.close()


def test_report_renders_without_errors_and_all_images_load(rendered, browser, tmp_path):
    page = rendered / "2025" / "alle-sectoren.html"
    events = browser.open(page.as_uri())
    assert problems(events) == []
    images = browser.evaluate(
        "Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.naturalHeight])")
    assert len(images) >= 3
    assert all(complete and width > 0 and height > 0 for complete, width, height in images)
    text = browser.evaluate("document.body.innerText")
    assert "2025" in browser.evaluate("document.title")
    assert "import kirc" not in text and "plt.show()" not in text
    # figures are laid out at a readable size, not collapsed or overflowing the page
    widths = browser.evaluate(
        "Array.from(document.images).map(i => i.getBoundingClientRect().width)")
    assert all(200 < width <= 1280 for width in widths), widths

    shot = browser.screenshot(tmp_path / "report.png")
    assert shot[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", shot[16:24])
    assert width == 1280 and height > 2000
    if os.environ.get("KIRC_SCREENSHOTS"):
        folder = Path(os.environ["KIRC_SCREENSHOTS"])
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(tmp_path / "report.png", folder / "report.png")


def test_index_renders_and_every_link_opens_a_report(rendered, browser, tmp_path):
    events = browser.open((rendered / "index.html").as_uri())
    assert problems(events) == []
    links = browser.evaluate("Array.from(document.links).map(a => a.href)")
    assert links, "the index links no report"
    cells = browser.evaluate("Array.from(document.querySelectorAll('td .value'))"
                             ".map(e => e.textContent)")
    assert len(cells) >= 5 and all(c.strip() not in ("", "–") for c in cells)
    if os.environ.get("KIRC_SCREENSHOTS"):
        browser.screenshot(Path(os.environ["KIRC_SCREENSHOTS"]) / "index.png")
    for link in links:
        target = Path(unquote(urlparse(link).path))
        assert link.startswith("file://") and target.is_file(), link
        if target.suffix != ".html":        # the workbooks: files to download, not pages
            assert target.suffix in (".xlsx", ".csv"), link
            continue
        events = browser.open(link)
        assert problems(events) == []
        assert browser.evaluate("document.images.length") >= 3
        # and the report links back to the index
        back = browser.evaluate("Array.from(document.links).map(a => a.href)")
        assert (rendered / "index.html").as_uri() in back


def test_the_checks_catch_a_page_that_needs_the_network(browser, tmp_path):
    # The same checks on a page with the faults they look for: proves they can fail.
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html><body><script>console.error("kapot")</script>'
                    '<img src="https://cdn.example.org/logo.png"><script>undefinedCall()'
                    '</script></body></html>')
    found = problems(browser.open(page.as_uri()))
    assert any("console.error: kapot" in p for p in found)
    assert any("undefinedCall" in p or p.startswith("exception") for p in found)
    assert any("network request: https://cdn.example.org/logo.png" in p for p in found)
    assert browser.evaluate("document.images[0].naturalWidth") == 0


# --------------------------------------------------------------------------------------------
# every kind of page at desktop and phone width

SCREENS = Path(os.environ.get("KIRC_SCREENSHOTS", "/tmp/kirc-screens"))




LAYOUT = """(() => {
  const width = window.innerWidth;
  const cells = Array.from(document.querySelectorAll('table th, table td'));
  const clipped = cells.filter(c => c.getBoundingClientRect().right > width + 1
                                     || c.scrollWidth > c.clientWidth + 1)
                       .map(c => c.textContent.trim().slice(0, 40));
  const tables = Array.from(document.querySelectorAll('table'))
      .filter(t => t.getBoundingClientRect().right > width + 1).length;
  const images = Array.from(document.images).map(i => ({
      ok: i.complete && i.naturalWidth > 0, alt: i.getAttribute('alt') || '',
      right: i.getBoundingClientRect().right}));
  return {scroll: document.documentElement.scrollWidth, clipped, tables, images,
          lang: document.documentElement.lang,
          text: document.body.innerText};
})()"""


@pytest.mark.parametrize("width", [1280, 400])
def test_every_page_reads_on_desktop_and_phone(rendered, rendered_english, browser, width):
    pages = {"index": (rendered / "index.html", "nl"),
             "report": (rendered / "2025" / "alle-sectoren.html", "nl"),
             "segment": (rendered_english / "2025" / "telecom.html", "en"),
             "english": (rendered_english / "2025" / "all-sectors.html", "en"),
             "index-en": (rendered_english / "index.html", "en")}
    SCREENS.mkdir(parents=True, exist_ok=True)
    for name, (page, language) in pages.items():
        browser.send("Emulation.setDeviceMetricsOverride", width=width, height=900,
                     deviceScaleFactor=1, mobile=width < 600)
        events = browser.open(page.as_uri())
        assert problems(events) == [], (name, width)
        layout = browser.evaluate(LAYOUT)
        assert layout["lang"] == language
        # no horizontal overflow: the page, every table and every cell fit the screen
        assert layout["scroll"] <= width, (name, width, layout["scroll"])
        assert layout["tables"] == 0 and layout["clipped"] == [], (name, width,
                                                                    layout["clipped"][:5])
        for image in layout["images"]:
            assert image["ok"], (name, width)
            assert len(image["alt"]) > 30 and "No description" not in image["alt"], image
            assert image["right"] <= width + 1
        if name != "index" and name != "index-en":
            assert len(layout["images"]) >= 3
            words = ("Key messages", "Methods") if language == "en" else (
                "Belangrijkste uitkomsten", "Verantwoording")
            assert all(w in layout["text"] for w in words)
        if language == "en":
            for dutch in ("energie", "telefoon", "onderdrukt", "Uitkomst", "Kerncijfers"):
                assert dutch not in layout["text"], (name, dutch)
        browser.screenshot(SCREENS / f"{name}-{width}.png", width=width)
        browser.send("Emulation.clearDeviceMetricsOverride")
