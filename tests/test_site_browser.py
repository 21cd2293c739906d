"""The site as a person sees it: a headless Chromium, driven by Selenium through chromedriver, opens the home page,
an edition (by its IRI: content negotiation gives a browser the page), a country and an ontology page from the
real `ksst serve` (a subprocess) over a build of the test data set, whose site the server writes itself.

For each page: no message of level SEVERE in the browser's console, every internal link on it resolves (each
fetched; a link with a #fragment must land on an element with that id), and a full-page screenshot is saved,
in $KSST_ARTIFACTS/screenshots if set (CI keeps that folder), else in the test's temporary folder. The home
page must show the participation heatmap: an SVG with a cell per country and year, followed by its table.

Needs Debian's `chromium` and `chromium-driver` (installed by .ci/system-packages) and `selenium`; skipped,
saying which is missing, where they are not there.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest

from ksst_kg import build

from .conftest import DATA
from .dataset import country_years, edition_ids
from .servers import HOST, free_port

CHROMIUM = os.environ.get("KSST_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("KSST_CHROMEDRIVER", "/usr/bin/chromedriver")

pytest.importorskip("selenium", reason="selenium is not installed (pip install -e '.[test]')")
if not Path(CHROMIUM).exists() or not Path(CHROMEDRIVER).exists():
    missing = " and ".join(p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).exists())
    pytest.skip(f"no system browser: {missing} missing (Debian: apt-get install chromium chromium-driver, "
                f"as .ci/system-packages does)", allow_module_level=True)

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

PAGES = {
    "home": "/index.html",  # / is the server's SPARQL query page
    "edition": f"/id/edition/{edition_ids()[0]}",  # the IRI itself
    "country": f"/id/country/{min(country_years())[0]}.html",
    "ontology": "/ontology/Edition.html",
}


# --- `ksst serve`, and a browser ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`ksst serve` on a build of its own (the server writes the site into it), until SIGTERM."""
    folder = tmp_path_factory.mktemp("served")
    out = folder / "build"
    build(DATA, out)
    port = free_port()
    base = f"http://{HOST}:{port}"
    with (folder / "stderr").open("w") as stderr:
        process = subprocess.Popen([sys.executable, "-m", "ksst_kg", "serve", "--out", str(out), "--port",
                                    str(port)], stdout=subprocess.PIPE, stderr=stderr, stdin=subprocess.DEVNULL,
                                   text=True)
    try:
        assert process.stdout is not None
        said = []
        for line in iter(process.stdout.readline, ""):
            said.append(line)
            if line.startswith("Default graph"):  # the last line it prints at its start
                break
        errors = (folder / "stderr").read_text()
        assert any(line.startswith(f"Site: {base}/index.html") for line in said), (said, errors)
        deadline = time.monotonic() + 60
        while fetch(base + "/index.html")[0] != 200:  # the site is written beside the server, at its start
            assert process.poll() is None and time.monotonic() < deadline, (folder / "stderr").read_text()
            time.sleep(0.2)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = os.environ.get("KSST_ARTIFACTS")
    folder = Path(base) / "screenshots" if base else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    options = Options()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage",
                 "--window-size=1280,900", "--hide-scrollbars", "--force-device-scale-factor=1"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids |= {v for k, v in attrs if k == "id" and v}


def fetch(url: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Accept": "text/html"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, ""


def screenshot(driver: webdriver.Chrome, folder: Path, name: str) -> Path:
    """The whole page: the window made as tall as the page (within reason) for the shot."""
    height = driver.execute_script("return Math.ceil(document.documentElement.scrollHeight)")
    driver.set_window_size(1280, min(max(900, int(height)), 12000))
    path = folder / f"{name}.png"
    driver.save_screenshot(str(path))
    driver.set_window_size(1280, 900)
    return path


def broken_links(driver: webdriver.Chrome, base: str) -> list[tuple[str, int, str]]:
    """Every link of the page to the site that does not answer 200, or whose #fragment is not on its target."""
    hrefs = sorted({a.get_attribute("href") or "" for a in driver.find_elements(By.CSS_SELECTOR, "a[href]")})
    internal = [h for h in hrefs if urlsplit(h).netloc == urlsplit(base).netloc]
    assert internal, "no internal links"
    seen: dict[str, tuple[int, set[str]]] = {}
    broken = []
    for href in internal:
        target, fragment = urldefrag(href)
        if target not in seen:
            status, body = fetch(target)
            ids = _Ids()
            ids.feed(body)
            seen[target] = (status, ids.ids)
        status, ids = seen[target]
        if status != 200 or (fragment and fragment not in ids):
            broken.append((href, status, fragment))
    return broken


# --- the pages -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(PAGES))
def test_a_page_opens_clean_with_every_link_resolving(name: str, served: str, browser: webdriver.Chrome,
                                                     shots: Path) -> None:
    url = served + PAGES[name]
    browser.get_log("browser")  # start from an empty console
    browser.get(url)
    assert browser.title and "Not found" not in browser.title, f"{url} did not open"
    assert browser.find_element(By.TAG_NAME, "h1").text.strip()
    severe = [e for e in browser.get_log("browser") if e.get("level") == "SEVERE"]
    assert not severe, f"console errors on {url}: {severe}"
    broken = broken_links(browser, served)
    assert not broken, f"{len(broken)} broken internal links on {url}: {broken[:10]}"
    if name == "home":
        heat = browser.find_element(By.CSS_SELECTOR, "figure#heatmap svg")
        assert heat.is_displayed()
        assert len(heat.find_elements(By.CSS_SELECTOR, "rect title")) >= 10, "the heatmap has no cells"
        assert browser.find_elements(By.CSS_SELECTOR, "figure#heatmap table.heat tbody tr"), "no table under it"
    if name == "edition":
        assert browser.find_elements(By.CSS_SELECTOR, "ol.footnotes li"), "no footnotes"
        assert browser.find_elements(By.CSS_SELECTOR, ".badge.inferred"), "no inferred mark"
    assert screenshot(browser, shots, name).stat().st_size > 10_000


def test_a_hash_iri_of_the_ontology_lands_on_its_term(served: str, browser: webdriver.Chrome) -> None:
    """`ontology#Edition` reaches the server as /ontology: sent on to the index, the browser keeps the fragment."""
    browser.get(served + "/ontology#Edition")
    assert urlsplit(browser.current_url).path == "/ontology/"
    row = browser.find_element(By.ID, "Edition")
    assert row.find_element(By.TAG_NAME, "a").get_attribute("href").endswith("/ontology/Edition.html")


def test_an_unknown_iri_gets_the_404_page_at_any_depth(served: str, browser: webdriver.Chrome, shots: Path) -> None:
    browser.get_log("browser")
    browser.get(served + "/id/edition/sim-1999/visit/nowhere")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Not found"
    header = browser.find_element(By.CSS_SELECTOR, "header.site")
    assert header.value_of_css_property("background-color") != "rgba(0, 0, 0, 0)", "the stylesheet did not load"
    links = [a.get_attribute("href") or "" for a in browser.find_elements(By.CSS_SELECTOR, "main a[href]")]
    assert links and all(fetch(h)[0] == 200 for h in links)
    severe = [e["message"] for e in browser.get_log("browser") if e.get("level") == "SEVERE"]
    assert all("404" in m and "nowhere" in m for m in severe), severe  # only the page's own status
    screenshot(browser, shots, "not-found")
