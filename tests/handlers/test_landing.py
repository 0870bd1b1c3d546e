"""`GET /` (issue 11): a small page saying what the service is, with the way to the
attendants' console and the health check — not a 404, and no one's data."""
from __future__ import annotations


def test_the_front_door_says_what_this_is_and_links_console_and_health(client):
    page = client.get("/")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "Plano Demo" in html and "atendimento" in html
    assert 'href="/console/"' in html and 'href="/healthz"' in html
    assert client.get("/console/").status_code in (302, 303)  # the link leads somewhere
    assert client.get("/healthz").json == {"status": "ok"}
