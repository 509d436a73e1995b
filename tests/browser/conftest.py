"""Browser tests: Playwright for Python driving Debian's Chromium against the live server."""

import importlib
import os
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command

from education.content import load_pages

# Playwright's sync API runs an event loop in the test thread; the tests still
# use the ORM there to set up data, which Django would otherwise refuse.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--lang=en-GB",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture(autouse=True)
def seeded_data(transactional_db):
    """Browser tests are transactional: every table is emptied after each one, including the
    vocabularies from the data migration and the education pages. Put them back first.
    (serialized_rollback cannot: once Playwright's event loop runs in this thread, Django gives
    the test another connection than the one holding the serialized copy.)"""
    importlib.import_module("tracker.migrations.0002_seed_vocabularies").seed(apps, None)
    load_pages()


@pytest.fixture
def shipped_instruments(seeded_data):
    """The shipped questionnaires, put back by running their data migrations again (the later ones change
    what the first seeded)."""
    call_command("migrate", "questionnaires", "0001_initial", verbosity=0)
    call_command("migrate", "questionnaires", verbosity=0)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        reason = f"Chromium not found at {CHROMIUM}; install it with: apt-get install -y chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _open_page(browser, live_server, viewport):
    context = browser.new_context(base_url=live_server.url, viewport=viewport, locale="en-GB", timezone_id="UTC")
    context.set_default_timeout(10_000)
    page = context.new_page()
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return context, page, problems


@pytest.fixture
def page(browser, live_server):
    """A desktop-sized page; the test fails if the browser logged an error (a CSP violation, a 404, a JS error)."""
    context, page, problems = _open_page(browser, live_server, DESKTOP)
    yield page
    context.close()
    assert problems == []


@pytest.fixture
def phone_page(browser, live_server):
    """A page in a 390 x 844 phone viewport, with the same error check."""
    context, page, problems = _open_page(browser, live_server, PHONE)
    yield page
    context.close()
    assert problems == []


@pytest.fixture
def screenshot():
    """Save a screenshot for the README when asked for (`make screenshots` sets SCREENSHOTS=1): an ordinary
    test run leaves the tracked pictures as they are."""

    def take(page, name):
        if os.environ.get("SCREENSHOTS") != "1":
            return
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)

    return take
