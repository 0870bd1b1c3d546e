"""The console's doors: sign-in, lockout, CSRF, sessions, roles and who sees what."""
from __future__ import annotations

from sqlalchemy import select

from storage.db import transaction
from storage.models import AuditEntry, Conversation

from ..conftest import JOSE, MARIA
from .support import PASSWORD, conversation_id, csrf_of, make_user, post, sign_in


def test_pages_require_signing_in(client):
    response = client.get("/console/queue")
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]
    polled = client.get("/console/queue/rows", headers={"HX-Request": "true"})
    assert polled.status_code == 401 and polled.headers["HX-Redirect"] == "/console/login"


def test_sign_in_sets_a_hardened_cookie_and_lands_on_the_queue(client, rt):
    make_user(rt, "ana@op.com.br", "Ana Souza")
    response = sign_in(client, "Ana@Op.com.br ")
    assert response.status_code == 302 and response.headers["Location"].endswith("/console/queue")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    page = client.get("/console/queue")
    assert page.status_code == 200 and "Ana Souza" in page.get_data(as_text=True)
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Content-Type-Options"] == "nosniff"


def test_wrong_passwords_lock_the_login_even_for_the_right_password(client, rt):
    make_user(rt, "ana@op.com.br", "Ana")
    answers = [sign_in(client, "ana@op.com.br", "errada-errada").status_code for _ in range(5)]
    assert answers == [401, 401, 401, 401, 429]
    locked = sign_in(client, "ana@op.com.br", PASSWORD)
    assert locked.status_code == 429 and "bloqueada" in locked.get_data(as_text=True)
    with transaction(rt.sessions) as s:
        assert [a.action for a in s.scalars(select(AuditEntry))].count("login_failed") == 5


def test_reset_password_lifts_the_lockout_and_ends_sessions(app, rt):
    make_user(rt, "ana@op.com.br", "Ana")
    signed = app.test_client()
    assert sign_in(signed, "ana@op.com.br").status_code == 302
    stranger = app.test_client()
    for _ in range(5):
        sign_in(stranger, "ana@op.com.br", "errada-errada")
    result = app.test_cli_runner().invoke(args=["reset-password", "ana@op.com.br",
                                                "--password", "outra-senha-456"])
    assert result.exit_code == 0, result.output
    assert signed.get("/console/queue").status_code == 302  # signed out by the reset
    assert sign_in(stranger, "ana@op.com.br", "outra-senha-456").status_code == 302


def test_create_user_command_refuses_a_short_password_and_creates_a_supervisor(app, rt):
    runner = app.test_cli_runner()
    short = runner.invoke(args=["create-user", "--login", "b@op.com.br", "--name", "Bia",
                                "--password", "curta"])
    assert short.exit_code != 0 and "pelo menos 10" in short.output
    ok = runner.invoke(args=["create-user", "--login", "b@op.com.br", "--name", "Bia",
                             "--role", "supervisor", "--password", PASSWORD])
    assert ok.exit_code == 0, ok.output
    client = app.test_client()
    sign_in(client, "b@op.com.br")
    assert client.get("/console/dashboard").status_code == 200


def test_a_post_without_the_csrf_token_is_refused(client, rt):
    make_user(rt, "ana@op.com.br", "Ana")
    refused_login = client.post("/console/login", data={"login": "ana@op.com.br", "password": PASSWORD})
    assert refused_login.status_code == 400
    sign_in(client, "ana@op.com.br")
    assert client.post("/console/logout").status_code == 400
    assert client.get("/console/queue").status_code == 200  # still signed in


def test_logout_ends_the_session_even_for_a_copied_cookie(app, rt):
    make_user(rt, "ana@op.com.br", "Ana")
    client = app.test_client()
    sign_in(client, "ana@op.com.br")
    cookie = client.get_cookie("planbot_console", path="/console").value
    copy = app.test_client()
    copy.set_cookie("planbot_console", cookie, path="/console")
    assert copy.get("/console/queue").status_code == 200
    assert post(client, "/console/logout").status_code == 302
    assert copy.get("/console/queue").status_code == 302


def test_each_sign_in_gets_a_new_session_id(app, rt):
    make_user(rt, "ana@op.com.br", "Ana")
    client = app.test_client()
    csrf_of(client)  # a session (cookie) exists before signing in
    before = client.get_cookie("planbot_console", path="/console").value
    sign_in(client, "ana@op.com.br")
    planted = app.test_client()  # someone who planted the pre-login cookie gains nothing
    planted.set_cookie("planbot_console", before, path="/console")
    assert planted.get("/console/queue").status_code == 302
    assert client.get_cookie("planbot_console", path="/console").value != before


def test_logout_everywhere_ends_every_session_of_the_account(app, rt):
    make_user(rt, "ana@op.com.br", "Ana")
    laptop, tablet = app.test_client(), app.test_client()
    sign_in(laptop, "ana@op.com.br")
    sign_in(tablet, "ana@op.com.br")
    assert post(laptop, "/console/logout-everywhere").status_code == 302
    assert tablet.get("/console/queue").status_code == 302
    assert sign_in(tablet, "ana@op.com.br").status_code == 302  # signing in again works


def test_an_attendant_opens_waiting_and_own_conversations_only(app, rt, wa):
    make_user(rt, "ana@op.com.br", "Ana")
    make_user(rt, "bruno@op.com.br", "Bruno")
    make_user(rt, "sara@op.com.br", "Sara", role="supervisor")
    wa.say(MARIA, "quero falar com um atendente")
    wa.say(JOSE, "oi")  # with the bot: not the team's business
    maria, jose = conversation_id(rt, MARIA), conversation_id(rt, JOSE)
    ana, bruno, sara = app.test_client(), app.test_client(), app.test_client()
    for client, login in ((ana, "ana"), (bruno, "bruno"), (sara, "sara")):
        sign_in(client, f"{login}@op.com.br")

    assert bruno.get(f"/console/conversations/{maria}").status_code == 200  # waiting: anyone
    assert bruno.get(f"/console/conversations/{jose}").status_code == 404
    assert post(ana, f"/console/conversations/{maria}/take").status_code == 302
    assert bruno.get(f"/console/conversations/{maria}").status_code == 404  # Ana's now
    assert bruno.get(f"/console/conversations/{maria}/transcript").status_code == 404
    assert bruno.get("/console/conversations/99999999999").status_code == 404
    assert ana.get(f"/console/conversations/{maria}").status_code == 200
    assert sara.get(f"/console/conversations/{maria}").status_code == 200  # supervisors: all
    assert sara.get(f"/console/conversations/{jose}").status_code == 200
    assert "Ana" in sara.get("/console/queue/rows").get_data(as_text=True)


def test_dashboard_is_for_supervisors(app, rt):
    make_user(rt, "ana@op.com.br", "Ana")
    make_user(rt, "sara@op.com.br", "Sara", role="supervisor")
    ana, sara = app.test_client(), app.test_client()
    sign_in(ana, "ana@op.com.br")
    sign_in(sara, "sara@op.com.br")
    assert ana.get("/console/dashboard").status_code == 403
    assert ana.get("/console/dashboard/journeys.csv").status_code == 403
    assert "Painel" not in ana.get("/console/queue").get_data(as_text=True)
    assert sara.get("/console/dashboard").status_code == 200


def test_only_a_supervisor_takes_a_conversation_a_colleague_owns(app, rt, wa):
    make_user(rt, "ana@op.com.br", "Ana")
    make_user(rt, "bruno@op.com.br", "Bruno")
    make_user(rt, "sara@op.com.br", "Sara", role="supervisor")
    wa.say(MARIA, "atendente")
    cid = conversation_id(rt, MARIA)
    ana, bruno, sara = app.test_client(), app.test_client(), app.test_client()
    for client, login in ((ana, "ana"), (bruno, "bruno"), (sara, "sara")):
        sign_in(client, f"{login}@op.com.br")
    post(ana, f"/console/conversations/{cid}/take")
    page = f"/console/conversations/{cid}"
    assert bruno.post(f"{page}/force-take", data={"csrf_token": csrf_of(bruno, "/console/queue")}).status_code == 403
    refused = post(sara, f"{page}/take", page=page)
    assert refused.status_code == 409 and "Outra pessoa" in refused.get_data(as_text=True)
    assert post(sara, f"{page}/force-take", page=page).status_code == 302
    with transaction(rt.sessions) as s:
        c = s.get(Conversation, cid)
        actions = [(a.action, a.details) for a in s.scalars(select(AuditEntry).where(
            AuditEntry.conversation_id == cid))]
    from storage.models import ConsoleUser
    with transaction(rt.sessions) as s:
        sara_attendant = s.scalars(select(ConsoleUser).where(ConsoleUser.login == "sara@op.com.br")).one().attendant_id
    assert c.attendant_id == sara_attendant
    assert ("force_take", {"from_attendant": "Ana"}) in actions
