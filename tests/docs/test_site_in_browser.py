"""The built site in a real browser: headless Chromium loads key pages from a loopback server;
they render their navigation, search finds an API entry, and no page logs to the console (a
missing script, stylesheet or a JavaScript error would). Screenshots of the home page and an
API page go to $LAMINA_DOCS_SCREENSHOTS when set (to look at), else to a temporary folder."""

import functools
import http.server
import os
import re
import shutil
import subprocess
import threading
from pathlib import Path

import pytest


def require_chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed, and CI=true requires it")
        pytest.skip("chromium is not installed")
    return path


@pytest.fixture(scope="module")
def site_url(built_site):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(built_site))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _chromium(url: str, *extra: str) -> tuple[str, list[str]]:
    """The page's DOM after its scripts ran, and every console message it logged."""
    done = subprocess.run([require_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           "--enable-logging=stderr", "--v=0", "--window-size=1280,900",
                           "--virtual-time-budget=10000", *extra, url],
                          capture_output=True, text=True, timeout=120)
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    return done.stdout, console


@pytest.mark.parametrize("page", ["index.html", "getting-started.html", "guides/training.html",
                                  "api/lamina.models.html"])
def test_page_renders_with_navigation_and_a_quiet_console(site_url, page):
    dom, console = _chromium(f"{site_url}/{page}", "--dump-dom")
    assert not console, f"{page} logged to the console: {console}"
    assert 'class="sidebar-tree"' in dom, f"{page} has no navigation sidebar"
    for link in ("getting-started.html", "guides/index.html", "api/index.html"):
        if not page.endswith(link):  # the current page links to itself as "#"
            assert link.split("/")[-1] in dom, f"{page}'s navigation lacks {link}"


def test_search_finds_an_api_entry(site_url):
    dom, console = _chromium(f"{site_url}/search.html?q=EarlyStopping", "--dump-dom")
    assert not console, console
    results = re.findall(r'href="([^"]*api/lamina\.callbacks\.html[^"]*)"', dom)
    assert results, "search for EarlyStopping found no link to the callbacks API page"


@pytest.mark.parametrize("page,name", [("index.html", "home"), ("api/lamina.models.html", "api_models")])
def test_screenshot(site_url, page, name, tmp_path):
    from PIL import Image

    folder = Path(os.environ.get("LAMINA_DOCS_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    picture = folder / f"docs_{name}.png"
    _, console = _chromium(f"{site_url}/{page}", f"--screenshot={picture}")
    assert not console, console
    image = Image.open(picture).convert("RGB")
    assert image.size == (1280, 900)
    assert len(image.getcolors(maxcolors=1 << 20)) > 50, f"{page} looks blank"
