"""The attendants' API answers every error in JSON (wrong method, unknown path, body too
large, an unexpected failure), never Flask's HTML pages nor a stack trace."""
from __future__ import annotations

from bot import handoff
from storage.db import transaction


def _auth(rt) -> dict:
    with transaction(rt.sessions) as s:
        return {"Authorization": f"Bearer {handoff.create_attendant(s, 'Ana')}"}


def test_wrong_method_is_a_json_405(client, rt):
    auth = _auth(rt)
    for method, path in [("get", "/api/attendant/conversations/1/take"),
                         ("delete", "/api/attendant/conversations"),
                         ("post", "/api/attendant/conversations")]:
        response = getattr(client, method)(path, headers=auth)
        assert response.status_code == 405
        assert response.is_json and "method" in response.get_json()["error"]
        assert "Allow" in response.headers


def test_unknown_path_is_a_json_404(client, rt):
    auth = _auth(rt)
    for path in ["/api/attendant/nope", "/api/attendant/conversations/-1/take",
                 "/api/attendant/conversations/abc/reply"]:
        response = client.post(path, headers=auth)
        assert response.status_code == 404
        assert response.is_json and response.get_json()["error"] == "not found"


def test_a_body_too_large_is_a_json_413(client, rt):
    response = client.post("/api/attendant/conversations/1/reply", headers=_auth(rt),
                           data="x" * (3 * 1024 * 1024), content_type="application/json")
    assert response.status_code == 413
    assert response.is_json and "too large" in response.get_json()["error"]


def test_an_unexpected_failure_is_a_json_500_without_details(client, rt, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internals 11676496726")

    monkeypatch.setattr(handoff, "waiting", broken)
    response = client.get("/api/attendant/conversations", headers=_auth(rt))
    assert response.status_code == 500
    assert response.get_json() == {"error": "internal error"}


def test_other_paths_keep_their_own_errors(client):
    response = client.get("/nope")
    assert response.status_code == 404 and not response.is_json
