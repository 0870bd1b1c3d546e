"""A real headless Chromium (Debian's package, driven by Playwright) against the app
served by werkzeug in a thread on 127.0.0.1 with an ephemeral port."""
from __future__ import annotations

import dataclasses
import os
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture
def settings(settings):
    # The test server speaks plain http: a Secure cookie would not come back.
    return dataclasses.replace(settings, console_secure_cookies=False)


@pytest.fixture
def live_server(app, twilio):
    twilio.mock.add_passthru("http://127.0.0.1")  # only Twilio is faked, never the app
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, viewport={"width": 1366, "height": 768},
                                  locale="pt-BR")
    tab = context.new_page()
    tab.set_default_timeout(15000)
    yield tab
    context.close()
