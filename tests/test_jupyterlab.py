"""explore.ipynb in a real JupyterLab, driven by headless Chromium as a researcher would use it.

``jupyter lab`` starts on a free local port with a token, in a temporary folder holding a copy
of the notebook (JupyterLab saves what it runs; the committed notebook stays without outputs),
with its own settings (no windowing, so every cell is in the page) and no update or news
checks. Chromium opens the notebook, runs all cells with JupyterLab's own "run all" command
and waits for the kernel; then no cell may show an error or a warning, a kirc result must be
rendered as its formatted table and the plots as images. A screenshot of the run notebook is
kept (``$KIRC_SCREENSHOTS``).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from conftest import ROOT

pytest.importorskip("websocket", reason="websocket-client (a jupyter-server dependency) is "
                                        "not installed")
from test_browser import CHROMIUM, Browser  # noqa: E402  (one CDP client for the suite)

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed "
                                 "(.ci/run installs Debian's chromium package)")]

TOKEN = "kirc-test-token"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    home = tmp_path_factory.mktemp("lab")
    (home / "notebooks").mkdir()
    shutil.copy(ROOT / "notebooks" / "explore.ipynb", home / "notebooks" / "explore.ipynb")
    settings = home / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    notification = home / "settings" / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True)
    (notification / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    port = free_port()
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(home / "config"),
           "JUPYTER_RUNTIME_DIR": str(home / "runtime"), "PYTHONPATH": str(ROOT),
           "JUPYTER_PLATFORM_DIRS": "1"}
    log = open(home / "lab.log", "wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
         "--ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={home}",
         "--expose-app-in-browser", f"--LabApp.user_settings_dir={home / 'settings'}",
         f"--LabApp.workspaces_dir={home / 'workspaces'}", "--LabApp.news_url=",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
         "--LabApp.extension_manager=readonly", "--allow-root"],
        stdout=log, stderr=subprocess.STDOUT, env=env, cwd=home)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=2):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                log.close()
                pytest.fail("jupyter lab did not start: " +
                            (home / "lab.log").read_text(errors="replace")[-2000:])
            time.sleep(0.5)
    yield {"url": url, "home": home}
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


def wait_until(browser: Browser, expression: str, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = browser.evaluate(expression)
        if value:
            return value
        time.sleep(0.5)
    raise TimeoutError(what)


#: The open notebook's panel (JupyterLab's own object, exposed by --expose-app-in-browser).
NOTEBOOK = ("Array.from(window.jupyterapp.shell.widgets('main'))"
            ".find(w => w.sessionContext && w.title.label === 'explore.ipynb')")

STATE = """(() => {
  const cells = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell')];
  const prompts = cells.map(c => (c.querySelector('.jp-InputPrompt') || {}).textContent || '');
  return {
    cells: cells.length,
    run: prompts.filter(p => /\\[\\d+\\]/.test(p)).length,
    busy: prompts.filter(p => p.includes('*')).length,
    errors: [...document.querySelectorAll('.jp-OutputArea-output')]
      .filter(o => o.getAttribute('data-mime-type') === 'application/vnd.jupyter.stderr')
      .map(o => o.textContent.slice(0, 300)),
    tables: document.querySelectorAll('.jp-Notebook table.kirc-result').length,
    images: [...document.querySelectorAll('.jp-Notebook .jp-RenderedImage img')]
      .filter(i => i.naturalWidth > 0).length,
    captions: [...document.querySelectorAll('.jp-Notebook table.kirc-result caption')]
      .map(c => c.textContent),
  };
})()"""


def test_explore_runs_all_in_jupyterlab_with_rich_results_and_charts(lab, tmp_path):
    browser = Browser(tmp_path / "profile")
    try:
        browser.send("Emulation.setDeviceMetricsOverride", width=1280, height=1400,
                     deviceScaleFactor=1, mobile=False)
        browser.open(f"{lab['url']}/lab/tree/notebooks/explore.ipynb?token={TOKEN}")
        wait_until(browser, "!!(window.jupyterapp && document.querySelector("
                            "'.jp-Notebook .jp-CodeCell'))", 120, "the notebook to open")
        wait_until(browser, f"(() => {{ const w = {NOTEBOOK}; const k = w &&"
                            " w.sessionContext.session && w.sessionContext.session.kernel;"
                            " return !!(k && k.status === 'idle'); })()",
                   120, "the kernel to start")
        # as a researcher does: the notebook's tab in front, then Run > Run All Cells
        browser.evaluate(f"(() => {{ const w = {NOTEBOOK};"
                         " window.jupyterapp.shell.activateById(w.id);"
                         " return window.jupyterapp.commands.execute('notebook:run-all-cells');"
                         " })()")
        state = wait_until(
            browser, f"(() => {{ const s = {STATE}; return s.cells > 0 && s.busy === 0 &&"
                     " s.run === s.cells ? s : null; })()", 240, "all cells to run")
        assert state["errors"] == []
        assert state["tables"] >= 4
        assert "Aanbevelingsbereidheid (0–10) (nps)" in state["captions"]
        assert state["images"] >= 3
        shot = tmp_path / "explore.png"
        height = int(browser.evaluate(
            "document.querySelector('.jp-NotebookPanel .jp-WindowedPanel-outer').scrollHeight"))
        browser.send("Emulation.setDeviceMetricsOverride", width=1280,
                     height=min(height + 200, 16000), deviceScaleFactor=1, mobile=False)
        time.sleep(1)
        shot.write_bytes(base64.b64decode(browser.send("Page.captureScreenshot",
                                                       format="png")["data"]))
        keep = os.environ.get("KIRC_SCREENSHOTS")
        if keep:
            os.makedirs(keep, exist_ok=True)
            shutil.copy(shot, os.path.join(keep, "jupyterlab-explore.png"))
    finally:
        browser.close()
    # what the researcher ran is saved beside, the committed notebook is untouched
    committed = json.loads((ROOT / "notebooks" / "explore.ipynb").read_text(encoding="utf-8"))
    assert all(c.get("outputs", []) == [] for c in committed["cells"])
