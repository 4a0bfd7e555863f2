"""The diagram site (``chargespec diagram --html OUT --coverage RUN``) in a real browser:
Debian's headless Chromium over the DevTools protocol (tests/browser.py).

The site is built once from the specs with the coverage of a real in-process run of two
generated certification cases (tests/runtime/diagram_site_sample.py). Each page must load
without a console error, an uncaught exception or a failed resource; the overviews must fit a
1,920 px screen at 100 %; clicking, searching, panning and zooming must do what they say.
Screenshots of the index and of the Transaction and ConnectorStatus pages are kept in
``test-output/screenshots/`` and named at the end of the run.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.artifacts import keep
from tests.browser import Browser
from tests.runtime.diagram_site_sample import ROOT, build_site

SCREEN = 1920
SHOTS = ROOT / "test-output" / "screenshots"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_site(tmp_path_factory.mktemp("diagram-site"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with Browser(width=SCREEN, height=1080, timeout=60) as b:
        yield b


def _open(browser: Browser, page: Path) -> None:
    browser.errors.clear()
    browser.open(page)
    browser.wait_for("document.readyState === 'complete' && !!window.CHARGESPEC_SEARCH")
    browser.settle(0.3)


def _click_svg(browser: Browser, selector: str) -> None:
    """A real click event on an SVG element (SVG elements have no ``click()``)."""
    found = browser.evaluate(
        f"""(() => {{
            const el = document.querySelector({json.dumps(selector)});
            if (!el) return false;
            el.dispatchEvent(new MouseEvent("click", {{bubbles: true, cancelable: true}}));
            return true;
        }})()"""
    )
    assert found, f"nothing matches {selector}"


def _overview_width(browser: Browser) -> float:
    width: float = browser.evaluate(
        "document.querySelector('section[data-view=overview] svg').getBoundingClientRect().width"
    )
    return width


def test_index_loads_searches_and_is_screenshot(site: Path, browser: Browser) -> None:
    _open(browser, site / "index.html")
    assert browser.evaluate("document.querySelectorAll('table.machines a').length") >= 15
    browser.evaluate(
        "(() => { const i = document.getElementById('search'); i.value = 'StartTransaction';"
        " i.dispatchEvent(new Event('input')); })()"
    )
    found = browser.evaluate(
        "Array.from(document.querySelectorAll('#search-results a')).map(a => a.textContent)"
    )
    assert any(text.startswith("message") and "StartTransaction" in text for text in found)
    assert browser.evaluate("document.documentElement.scrollWidth") <= SCREEN
    keep("diagram site: index", browser.screenshot(SHOTS / "diagram-site-index.png"))
    assert browser.errors == []


@pytest.mark.parametrize(
    ("page", "machine"),
    [("transaction.html", "Transaction"), ("connector_status.html", "ConnectorStatus")],
)
def test_machine_page_overview_fits_the_screen(
    site: Path, browser: Browser, page: str, machine: str
) -> None:
    _open(browser, site / page)
    width = _overview_width(browser)
    assert 0 < width <= SCREEN, f"{machine} overview is {width:.0f} px wide"
    assert browser.evaluate("document.documentElement.scrollWidth") <= SCREEN
    # The run's coverage colours the edges: some exercised (wholly or in part), some not.
    covered = browser.evaluate(
        "document.querySelectorAll('g.edge.cov-full, g.edge.cov-part').length"
    )
    uncovered = browser.evaluate("document.querySelectorAll('g.edge.cov-none').length")
    assert covered > 0 and uncovered > 0
    stem = page.removesuffix(".html")
    keep(f"diagram site: {machine}", browser.screenshot(SHOTS / f"diagram-site-{stem}.png"))
    assert browser.errors == []


def test_every_machine_page_loads_cleanly_and_fits(site: Path, browser: Browser) -> None:
    for page in sorted(site.glob("*.html")):
        _open(browser, page)
        assert browser.errors == [], page.name
        if page.name != "index.html":
            assert _overview_width(browser) <= SCREEN, page.name


def test_clicking_an_edge_shows_its_condition_actions_refs_and_line(
    site: Path, browser: Browser
) -> None:
    _open(browser, site / "connector_status.html")
    # The fault edge is drawn once, from "any state" (every state but Faulted goes there).
    edge = browser.evaluate(
        "Object.entries(JSON.parse(document.getElementById('machine-data').textContent)"
        ".views.overview.edges).find(([, e]) => e.source === '*')[0]"
    )
    _click_svg(browser, f"g[id='{edge}']")
    text = browser.wait_for(
        "!document.getElementById('panel').hidden && document.getElementById('panel').innerText"
    )
    assert text.startswith("×\nany state → Faulted") and "A9: tester.fault" in text
    # One of its transitions: condition, actions, refs and the line it is written on.
    browser.click("#panel-body a[href^='#t=A9:']")
    text = browser.wait_for(
        "document.getElementById('panel').innerText.includes('Written at') &&"
        " document.getElementById('panel').innerText"
    )
    assert "remember_fault" in text and "connector_status.yaml:" in text
    # A state: its focus view is one click away, and the hash route shows it.
    browser.evaluate("window.location.hash = 'state=Preparing'")
    browser.wait_for("window.chargespecSite.current === 'Preparing'")
    text = browser.evaluate("document.getElementById('panel').innerText")
    assert "State Preparing" in text and "B6" in text
    assert browser.errors == []


def test_a_transition_link_selects_it_and_the_status_table_links_to_it(
    site: Path, browser: Browser
) -> None:
    _open(browser, site / "connector_status.html")
    browser.evaluate("window.location.hash = 'view=table'")
    browser.wait_for("!document.querySelector('section[data-view=table]').hidden")
    cell = browser.evaluate(
        "document.querySelector('table.transitions a[data-key^=\"B6:\"]').getAttribute('href')"
    )
    assert cell == "#t=B6:Preparing:timer.connection_timeout"
    browser.evaluate("window.location.hash = 't=B6:Preparing:timer.connection_timeout'")
    text = browser.wait_for(
        "document.getElementById('panel').innerText.includes('B6') &&"
        " document.getElementById('panel').innerText"
    )
    assert "timer.connection_timeout" in text and "Finishing" in text
    assert "Coverage" in text
    assert browser.errors == []


def test_search_for_a_message_highlights_the_transitions_about_it(
    site: Path, browser: Browser
) -> None:
    _open(browser, site / "transaction.html")
    browser.evaluate("window.location.hash = 'find=StartTransaction'")
    matches = browser.wait_for("document.querySelectorAll('g.edge.match').length")
    assert matches > 0
    assert "transitions take or send it" in browser.evaluate(
        "document.getElementById('panel').innerText"
    )
    assert browser.errors == []


def test_zoom_and_pan_change_the_drawing_transform(site: Path, browser: Browser) -> None:
    _open(browser, site / "transaction.html")
    canvas = "document.querySelector('section[data-view=overview] .canvas').style.transform"
    browser.click("#zoom-in")
    assert "scale(1.25)" in browser.evaluate(canvas)
    browser.click("#zoom-fit")
    fitted = browser.evaluate(canvas)
    assert "scale(" in fitted and "scale(1.25)" not in fitted
    browser.click("#zoom-reset")
    assert browser.evaluate(canvas) == "translate(0px, 0px) scale(1)"
    assert browser.errors == []
