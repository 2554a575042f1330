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
import html
import http.client
import itertools
import json
import os
import re
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
        if urlparse(link).fragment and Path(unquote(urlparse(link).path)).name == "index.html":
            continue                        # the sector menu: places on the index itself
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


# --------------------------------------------------------------------------------------------
# phones: legible charts, words whole, a sector menu on the index

PHONE = """(() => {
  const charts = Array.from(document.querySelectorAll('img.kirc-svg')).map(i => ({
      shown: i.getBoundingClientRect().width, natural: i.naturalWidth,
      src: i.getAttribute('src')}));
  // a word broken over two lines has two client rectangles
  const broken = [];
  const walker = document.createTreeWalker(document.querySelector('main') || document.body,
                                           NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  while (walker.nextNode()) {
    const node = walker.currentNode, text = node.textContent;
    if (!node.parentElement || node.parentElement.closest('style, script, svg')) continue;
    const re = /[A-Za-zÀ-ÿ]{6,}/g; let m;
    while ((m = re.exec(text)) !== null) {
      range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
      const lines = new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top)));
      if (lines.size > 1) broken.push(m[0]);
    }
  }
  return {charts, broken};
})()"""


def _smallest_font(src: str) -> float:
    svg = base64.b64decode(src.split("base64,", 1)[1]).decode("utf-8")
    return min(float(size) for size in re.findall(r'font-size="([0-9.]+)"', svg))


def test_on_a_phone_charts_are_legible_and_no_word_is_broken(rendered, rendered_english,
                                                             browser):
    pages = [rendered / "2025" / "telecom.html", rendered / "2025" / "alle-sectoren.html",
             rendered_english / "2025" / "telecom.html"]
    for page in pages:
        browser.send("Emulation.setDeviceMetricsOverride", width=400, height=900,
                     deviceScaleFactor=1, mobile=True)
        browser.open(page.as_uri())
        found = browser.evaluate(PHONE)
        assert len(found["charts"]) >= 8
        for chart in found["charts"]:
            # the smallest type of a chart, as shown on a 400-pixel screen
            shown = _smallest_font(chart["src"]) * chart["shown"] / chart["natural"]
            assert shown >= 9.5, (page.name, shown)
        assert found["broken"] == [], (page.name, found["broken"][:10])
        browser.send("Emulation.clearDeviceMetricsOverride")


def test_the_index_has_a_sector_menu_n_on_every_figure_and_one_scale_per_indicator(
        rendered, browser):
    browser.open((rendered / "index.html").as_uri())
    menu = browser.evaluate("Array.from(document.querySelectorAll('nav.segments a'))"
                            ".map(a => [a.textContent, a.getAttribute('href')])")
    assert len(menu) == 8 and menu[0][0] == "alle sectoren"
    for _, href in menu:
        assert browser.evaluate(f"!!document.getElementById({json.dumps(href[1:])})")
    cells = browser.evaluate("Array.from(document.querySelectorAll('td.num')).map(td => "
                             "[td.getAttribute('title'), td.querySelector('small.n') && "
                             "td.querySelector('small.n').textContent])")
    assert cells and all(title and title.startswith("n = ") and shown == title
                         for title, shown in cells)


# --------------------------------------------------------------------------------------------
# accessibility: axe-core (from the npm registry) in the browser

AXE_FOLDER = Path(__file__).resolve().parents[1] / ".venv" / "npm"


@pytest.fixture(scope="module")
def axe_source():
    """axe-core's ``axe.min.js``, installed with npm into .venv/npm the first time."""
    script = AXE_FOLDER / "node_modules" / "axe-core" / "axe.min.js"
    if not script.is_file():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not installed (axe-core comes from the npm registry)")
        done = subprocess.run([npm, "install", "--prefix", str(AXE_FOLDER), "--no-audit",
                               "--no-fund", "--silent", "axe-core@4"],
                              capture_output=True, text=True, timeout=300)
        if done.returncode != 0 or not script.is_file():
            pytest.skip("axe-core could not be installed from the npm registry: "
                        + (done.stderr.strip().splitlines() or [""])[-1])
    return script.read_text(encoding="utf-8")


AXE_RUN = """axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a',
  'wcag21aa', 'wcag22aa']}, resultTypes: ['violations']}).then(r => JSON.stringify(
  r.violations.map(v => ({id: v.id, impact: v.impact, count: v.nodes.length,
                          where: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))))"""


def test_index_and_reports_meet_wcag_22_aa_by_axe_core(rendered, rendered_english, browser,
                                                      axe_source):
    pages = [(rendered / "index.html", (1280, 400)),
             (rendered / "2025" / "alle-sectoren.html", (1280, 400)),
             (rendered / "2025" / "telecom.html", (1280,)),
             (rendered_english / "2025" / "all-sectors.html", (400,))]
    for page, widths in pages:
        for width in widths:
            browser.send("Emulation.setDeviceMetricsOverride", width=width, height=900,
                         deviceScaleFactor=1, mobile=width < 600)
            browser.open(page.as_uri())
            browser.evaluate(axe_source + "\n;0")
            violations = json.loads(browser.evaluate(AXE_RUN))
            serious = [v for v in violations if v["impact"] in ("serious", "critical")]
            assert serious == [], (page.name, width, serious)
            browser.send("Emulation.clearDeviceMetricsOverride")


# --------------------------------------------------------------------------------------------
# print: the PDF of a report, and a deck converted by LibreOffice


def _pdf_pages(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", data))


def test_the_pdf_puts_two_charts_a_page_and_prints_no_links(rendered, tmp_path):
    from kirc.report import run
    chromium = run.find_chromium()
    page = tmp_path / "alle-sectoren.html"
    page.write_bytes((rendered / "2025" / "alle-sectoren.html").read_bytes())
    pdf = run.write_pdf(page, chromium)
    pages = _pdf_pages(pdf.read_bytes())
    # 23 pages before (one chart a page, a page for the footer alone); 13 then, 16 with the
    # multiple-response section (a bar chart, a trend chart per option, three breakdowns)
    assert 6 <= pages <= 16, pages
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: the page texts are not read")
    texts = subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True,
                           text=True, check=True).stdout.split("\f")
    texts = [t for t in texts if t.strip()]
    assert len(texts) == pages
    assert "Kerncijfers 2025" in texts[0] and "Belangrijkste uitkomsten" in texts[0]
    # the report's headings (h2-h4), as the PDF prints them
    headings = {html.unescape(re.sub(r"<[^>]+>", "", heading)).strip() for heading in
                re.findall(r"<h[234][^>]*>(.*?)</h[234]>", page.read_text(encoding="utf-8"),
                           flags=re.S)}
    assert "Naar leeftijd" in headings
    for number, text in enumerate(texts, start=1):
        assert "welke groepen verschillen" not in text and "figures.xlsx" not in text
        assert "Alle jaarrapporten" not in text
        # every page holds more than its footer line (the report's name and page number)
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        assert len(lines) > 3, text
        # and no page ends in a heading whose table or chart starts the next one
        assert lines[-2] not in headings, f"page {number} ends in the heading {lines[-2]!r}"
    if os.environ.get("KIRC_SCREENSHOTS"):
        shutil.copy(pdf, SCREENS / "alle-sectoren.pdf")


def test_a_deck_converts_to_pdf_in_libreoffice(rendered, tmp_path):
    from kirc.report import deck
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed (.ci/run installs libreoffice-impress-nogui)")
    source = rendered / "2025" / "telecom.pptx"
    done = subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                           "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
                          capture_output=True, text=True, timeout=180)
    pdf = tmp_path / "telecom.pdf"
    assert pdf.is_file(), done.stderr
    assert _pdf_pages(pdf.read_bytes()) == len(deck.slide_texts(source))
    if os.environ.get("KIRC_SCREENSHOTS"):
        shutil.copy(pdf, SCREENS / "telecom-deck.pdf")
