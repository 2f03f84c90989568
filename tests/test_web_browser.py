"""The page in a real headless Chromium (Debian's `chromium` + `chromium-driver`, driven by selenium)
against `gamekb serve` started as a subprocess: /?q=... renders keyframe thumbnails, clicking a
result plays the video from that moment, the timeline and HUD curve draw, ask's citations play
their moment. Screenshots go to $GAMEKB_TEST_ARTIFACTS (CI: test-artifacts/) or the pytest tmp dir."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.kbcheck import CLI
from tests.test_web_api import GRINDER_S, TOKEN, library_home, request, running

pytest.importorskip("fastapi")
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install selenium)")

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser")) if p), None)
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None or CHROMEDRIVER is None,
                       reason="needs Chromium and its driver (Debian: apt-get install chromium chromium-driver)"),
]
WAIT_S = 30  # a 2-core CI machine under load: first search loads the text embedder


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory) -> Path:
    folder = os.environ.get("GAMEKB_TEST_ARTIFACTS")
    out = Path(folder) / "web" if folder else tmp_path_factory.mktemp("screenshots")
    out.mkdir(parents=True, exist_ok=True)
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`gamekb serve --port P` on the ingested library, as a user would start it."""
    home = library_home(tmp_path_factory)
    port = _free_port()
    log = (tmp_path_factory.getbasetemp() / "serve.log").open("w")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    env.pop("GAMEKB_TOKEN", None)
    proc = subprocess.Popen([sys.executable, "-c", CLI, "serve", "--port", str(port), "--home", str(home)],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        assert proc.poll() is None, f"gamekb serve exited: {Path(log.name).read_text()}"
        try:
            if request(port, "/api/videos")[0] == 200:
                break
        except OSError:
            pass
        assert time.monotonic() < deadline, "gamekb serve did not answer within 60 s"
        time.sleep(0.2)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def browser():
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--window-size=1400,1000", "--mute-audio"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # an explicit driver path: selenium-manager would try to download one
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(WAIT_S)
    yield driver
    driver.quit()


def wait_for(driver, script: str, what: str, timeout: float = WAIT_S):
    """Poll a JS expression until it is truthy; return its value."""
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.1).until(lambda d: d.execute_script(f"return ({script});"))
    except Exception as exc:  # selenium's TimeoutException says nothing about what we waited for
        status = driver.execute_script("return document.querySelector('#status')?.textContent")
        raise AssertionError(f"timed out waiting for {what}; page status: {status!r}") from exc


THUMBS_LOADED = """(() => { const imgs = [...document.querySelectorAll('.hit img')];
  return imgs.length > 0 && imgs.every((i) => i.complete && i.naturalWidth > 0) ? imgs.length : 0; })()"""
def player_at(t: float) -> str:
    """JS: [currentTime] once the player has seeked to within 1 s of t (null until then; a list so
    that time 0 is truthy for wait_for)."""
    return ("(() => { const v = document.querySelector('#player');"
            " return v.readyState >= 1 && !v.seeking && v.error === null"
            f" && Math.abs(v.currentTime - {float(t)!r}) <= 1.0 ? [v.currentTime] : null; }})()")


def severe_console_errors(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def test_search_page_shows_thumbnails_and_plays_the_moment(server, browser, artifacts):
    browser.get(f"{server}/?q=angle%20grinder")
    assert wait_for(browser, THUMBS_LOADED, "keyframe thumbnails") >= 1
    assert browser.execute_script("return document.querySelector('#q').value") == "angle grinder"
    first = browser.find_element("css selector", ".hit")
    start = float(first.get_attribute("data-start"))
    assert abs(start - GRINDER_S) <= 2
    assert "freedoom_excerpt@00:07" in first.text and "angle grinder" in first.text.lower()
    browser.save_screenshot(str(artifacts / "search.png"))

    first.click()
    t = wait_for(browser, player_at(start), f"the video at {start} s")[0]
    assert abs(t - start) <= 1.0
    assert wait_for(browser, "document.querySelectorAll('#timeline .mark').length", "timeline marks") >= 6
    assert wait_for(browser, "document.querySelector('#timeline path.series[data-name=health]')", "health curve")
    assert "freedoom_excerpt@00:07" in browser.find_element("css selector", "#now-playing").text
    time.sleep(0.5)  # let a frame paint for the screenshot
    browser.save_screenshot(str(artifacts / "playing.png"))
    assert severe_console_errors(browser) == []


def test_timeline_click_seeks(server, browser):
    browser.get(f"{server}/#v=1&t=2")
    wait_for(browser, player_at(2.0), "the deep link #v=1&t=2")
    mark = wait_for(browser, "[...document.querySelectorAll('#timeline .mark[data-kind=speech]')][0]", "a speech mark")
    t = float(mark.get_attribute("data-t"))
    browser.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", mark)
    wait_for(browser, player_at(t), f"the video at the speech mark ({t} s)")


def test_ask_citation_plays_its_moment(server, browser, artifacts):
    browser.get(f"{server}/")
    box = browser.find_element("css selector", "#question")
    box.send_keys("when did I get the angle grinder?")
    browser.find_element("css selector", "#ask-form button").click()
    link = wait_for(browser, "document.querySelector('.answer-text a.citation')", "a citation in the answer")
    assert "angle grinder" in browser.find_element("css selector", ".answer-text").text
    t = float(link.get_attribute("href").rsplit("t=", 1)[1])
    link.click()
    wait_for(browser, player_at(t), f"the cited moment ({t} s)")
    browser.save_screenshot(str(artifacts / "ask.png"))
    assert severe_console_errors(browser) == []


def test_token_in_the_address_once_lets_the_page_load_everything(tmp_path_factory, browser, artifacts):
    from kb.store import KnowledgeBase
    from reasoning.web.app import create_app

    kb = KnowledgeBase.open(library_home(tmp_path_factory))
    with running(create_app(kb, token=TOKEN)) as port:
        base = f"http://127.0.0.1:{port}"
        browser.get(f"{base}/?token={TOKEN}&q=shotgun")
        assert wait_for(browser, THUMBS_LOADED, "thumbnails through the token cookie") >= 1
        assert "token" not in browser.current_url  # the page drops it from the address bar
        browser.delete_all_cookies()
        browser.get(f"{base}/?q=shotgun")
        assert "needs its token" in browser.find_element("css selector", "body").text
