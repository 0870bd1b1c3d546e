"""The attendants' API answers every error in JSON (wrong method, unknown path, body too
large, an unexpected failure), never Flask's HTML pages nor a stack trace."""
from __future__ import annotations

from bot.engine import attendants as handoff
from storage.db import transaction


def _auth(rt, name="Ana") -> dict:
    with transaction(rt.sessions) as s:
        return {"Authorization": f"Bearer {handoff.create_attendant(s, name)}"}


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


def test_reply_reads_its_json_body_whatever_the_content_type(wa, client, rt, twilio):
    """`curl -d '{"text": "…"}'` sends application/x-www-form-urlencoded: the body is read as
    JSON all the same, as release's is (was 400 'JSON body … is required' for valid JSON)."""
    from tests.conftest import MARIA, drain

    wa.say(MARIA, "atendente")
    auth = _auth(rt)
    assert client.post("/api/attendant/conversations/1/take", headers=auth).status_code == 200
    for content_type in ("application/x-www-form-urlencoded", "text/plain", None):
        response = client.post("/api/attendant/conversations/1/reply", headers=auth,
                               data='{"text": "Olá, Maria!"}', content_type=content_type)
        assert response.status_code == 200, (content_type, response.data)
    for body in ('{"text": 5}', "text=oi", "[]", "", '{"text": "oi"'):
        response = client.post("/api/attendant/conversations/1/reply", headers=auth, data=body,
                               content_type="application/json")
        assert response.status_code == 400 and "text" in response.get_json()["error"]
    drain(rt)
    assert twilio.bodies_to(MARIA).count("Olá, Maria!") == 3


def test_replying_to_another_attendants_conversation_says_so(wa, client, rt, twilio):
    """Was "take the conversation before replying", which invites a take that is a 409."""
    from tests.conftest import MARIA

    wa.say(MARIA, "atendente")
    ana, bruno = _auth(rt), _auth(rt, "Bruno")
    assert client.post("/api/attendant/conversations/1/take", headers=ana).status_code == 200
    response = client.post("/api/attendant/conversations/1/reply", headers=bruno, json={"text": "oi"})
    assert response.status_code == 409
    assert response.get_json() == {"error": "another attendant owns this conversation"}
