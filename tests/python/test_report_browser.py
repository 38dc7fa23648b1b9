"""The HTML report in a real browser: headless Chromium (Debian's ``chromium`` and
``chromium-driver``) loads a report written by the package, with hostile names and several
charts, from a file, as a reader opening an email attachment would.

Checks: no console errors, no resource requested (DevTools network events), no script
element, no dialog opened, every chart drawn at a non-zero size, hostile names shown as
text; and, so that these checks can fail, that they do see a broken page's error and
request. A screenshot is kept in
``target/test-artifacts/report.png`` (a test artifact, not committed).

Without a browser the test is skipped, unless ``MLOPS_REQUIRE_BROWSER=1`` (set by
``scripts/test-all.sh``, which installs the browser), where a missing browser fails it.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil

import pytest

from hostile_report import HOSTILE, build

ROOT = pathlib.Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "target" / "test-artifacts"
REQUIRED = os.environ.get("MLOPS_REQUIRE_BROWSER") == "1"


def _missing(what: str) -> None:
    message = (f"{what}; install it with `apt-get install -y chromium chromium-driver` "
               "(scripts/test-all.sh does)")
    if REQUIRED:
        pytest.fail(f"MLOPS_REQUIRE_BROWSER=1 but {message}")
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser():
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _missing("selenium is not installed (pip install -r tests/requirements.txt)")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if chromium is None:
        _missing("the chromium browser is not on PATH")
    if driver_path is None:
        _missing("chromedriver (Debian package chromium-driver) is not on PATH")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,900", "--disable-extensions", "--no-first-run"):
        options.add_argument(arg)
    # "performance": the DevTools network events, which (unlike the page's Resource Timing)
    # also record file:// loads and failed ones.
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    report, _, _ = build()
    html_path, _ = report.write(tmp_path_factory.mktemp("report"))
    return html_path, report


@pytest.fixture
def loaded(browser, written):
    """The report freshly loaded (and the browser's log emptied of earlier pages)."""
    html_path, report = written
    browser.get_log("browser")
    browser.get_log("performance")
    browser.get(html_path.as_uri())
    return browser, report


def requested_urls(driver) -> list[str]:
    """Every URL the page asked for since the log was last read (DevTools events)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def test_loads_without_console_errors(loaded):
    driver, _ = loaded
    severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == []


def test_the_console_check_can_fail(browser, tmp_path):
    # The same check on a page that does log an error and fetch a missing file: the
    # captured log must show it, or the test above proves nothing.
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><title>t</title><script>console.error('boom')</script>"
                    "<img src='missing.png' alt=''>", encoding="utf-8")
    browser.get_log("performance")
    browser.get(page.as_uri())
    severe = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert any("boom" in m for m in severe), severe
    assert requested_urls(browser) == [page.as_uri(), (tmp_path / "missing.png").as_uri()]


def test_fetches_nothing_and_runs_nothing(loaded):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    driver, _ = loaded
    assert driver.find_elements(By.TAG_NAME, "script") == []
    assert driver.find_elements(By.TAG_NAME, "img") == []
    # The document itself is the only thing loaded: no font, image or stylesheet fetched.
    assert requested_urls(driver) == [driver.current_url]
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018 - raises when no dialog opened


def test_every_chart_has_a_size(loaded):
    from selenium.webdriver.common.by import By

    driver, report = loaded
    svgs = driver.find_elements(By.TAG_NAME, "svg")
    expected = sum(len(s.charts) for s in report.sections)
    assert expected >= 4
    assert len(svgs) == expected
    for svg in svgs:
        box = driver.execute_script(
            "const r = arguments[0].getBoundingClientRect(); return [r.width, r.height];", svg)
        assert box[0] > 0 and box[1] > 0, box
        # Something is drawn inside: shapes with a size of their own.
        inner = driver.execute_script(
            "return Array.from(arguments[0].querySelectorAll('rect,polyline,polygon,line,text'))"
            ".filter(e => { const b = e.getBBox(); return b.width > 0 || b.height > 0; })"
            ".length;", svg)
        assert inner > 10


def test_hostile_names_show_as_text(loaded):
    from selenium.webdriver.common.by import By

    driver, report = loaded
    body = driver.find_element(By.TAG_NAME, "body").text
    assert driver.title == report.title
    for h in HOSTILE:
        assert h in body, h
    gate = driver.find_element(By.ID, "gate")
    assert gate.text.startswith("Deployment gate: ")


def test_screenshot_is_kept(loaded):
    driver, _ = loaded
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, min(int(height) + 120, 16000))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / "report.png"
    assert driver.save_screenshot(str(path))
    assert path.stat().st_size > 10_000


def test_the_loan_audit_report_of_the_main_job(browser):
    """The report the README's first command writes (``cargo run --example loan_audit``,
    which ``scripts/test-all.sh`` runs before pytest): loads cleanly, fetches nothing, and
    every one of its charts is drawn."""
    from selenium.webdriver.common.by import By

    path = ROOT / "target" / "loan-audit" / "report.html"
    if not path.exists():
        message = (f"{path} does not exist: run `cargo run --example loan_audit` first "
                   "(scripts/test-all.sh does)")
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    browser.get_log("browser")
    browser.get_log("performance")
    browser.get(path.as_uri())
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
    assert requested_urls(browser) == [browser.current_url]
    assert browser.find_elements(By.TAG_NAME, "script") == []
    svgs = browser.find_elements(By.TAG_NAME, "svg")
    assert len(svgs) >= 7  # ROC, FPR bars and frontier per model, the reliability diagram
    for svg in svgs:
        box = browser.execute_script(
            "const r = arguments[0].getBoundingClientRect(); return [r.width, r.height];", svg)
        assert box[0] > 0 and box[1] > 0, box
    assert browser.find_element(By.ID, "gate").text.startswith("Deployment gate: PASSED")
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1280, min(int(height) + 120, 16000))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(ARTIFACTS / "loan_audit_report.png"))
