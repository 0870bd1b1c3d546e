"""The console in a real browser: the whole handoff from the attendant's side, the login
lockout, CSRF and a script sent over WhatsApp staying inert."""
from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from storage.db import transaction
from storage.models import AuditEntry

from ...conftest import MARIA, drain
from ..support import PASSWORD, make_user

MARIA_CPF_TYPED = "116.764.967-26"


def _sign_in(page, login="ana@op.com.br", password=PASSWORD):
    page.goto("/console/login")
    page.get_by_label("E-mail").fill(login)
    page.get_by_label("Senha").fill(password)
    page.get_by_role("button", name="Entrar").click()


def test_an_attendant_serves_a_person_from_the_queue_to_the_release(page, rt, wa, twilio):
    make_user(rt, "ana@op.com.br", "Ana Souza")
    _sign_in(page)
    expect(page.get_by_role("heading", name="Fila de atendimento")).to_be_visible()
    expect(page.get_by_text("Ninguém aguardando atendimento.")).to_be_visible()

    wa.say(MARIA, "quero falar com um atendente")
    wa.say(MARIA, f"meu cpf é {MARIA_CPF_TYPED}")
    row = page.locator("tr[data-conversation]")
    expect(row).to_have_count(1)  # appeared without a reload (polling)
    expect(row).to_contain_text("Atendimento humano")
    row.get_by_role("link", name="Abrir").click()

    transcript = page.locator("#transcript")
    expect(transcript).to_contain_text("***.***.*67-26")
    expect(transcript).not_to_contain_text(MARIA_CPF_TYPED)
    expect(page.locator("#bot-state")).to_contain_text("aguardando atendente")

    sent_before = len(twilio.bodies_to(MARIA))
    page.locator("#take").click()
    expect(page.locator("#bot-state")).to_contain_text("em atendimento")
    drain(rt)
    assert len(twilio.bodies_to(MARIA)) == sent_before  # queued already told them; the reply will

    page.get_by_label("Resposta", exact=True).fill("Olá, Maria! Sou a Ana. Como posso ajudar?")
    page.locator("#send").click()
    expect(page.locator("#reply-text")).to_be_empty()
    drain(rt)
    assert twilio.bodies_to(MARIA)[-1] == "Olá, Maria! Sou a Ana. Como posso ajudar?"
    expect(transcript).to_contain_text("Sou a Ana")

    expect(page.locator("#field-cpf")).to_have_text("***.***.*67-26")
    page.locator("#reveal-cpf").click()
    expect(page.locator("#field-cpf")).to_have_text("116.764.967-26")
    with transaction(rt.sessions) as s:
        reveals = [(a.what, a.details) for a in s.scalars(
            select(AuditEntry).where(AuditEntry.action == "reveal"))]
    assert reveals == [("cpf", {"beneficiary_ref": "B001"})]

    page.get_by_label("Resolvido").check()
    page.get_by_label("Nota (vai para o protocolo)").fill("segunda via enviada")
    page.locator("#release").click()
    expect(page.get_by_role("status")).to_contain_text("devolvida ao bot (resolvida)")
    drain(rt)
    assert "atendimento com nossa equipe foi encerrado" in twilio.bodies_to(MARIA)[-1]
    assert "Como posso ajudar?" in wa.say(MARIA, "oi")[0]  # the bot answers again
    with transaction(rt.sessions) as s:
        actions = [a.action for a in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions == ["login", "take", "reply", "reveal", "release"]


def test_wrong_passwords_lock_the_account(page, rt):
    make_user(rt, "ana@op.com.br", "Ana")
    for _ in range(4):
        _sign_in(page, password="nao-e-essa-senha")
        expect(page.locator("#login-error")).to_have_text("Login ou senha incorretos.")
    _sign_in(page, password="nao-e-essa-senha")
    expect(page.locator("#login-error")).to_contain_text("bloqueada")
    _sign_in(page)  # the right password no longer opens it
    expect(page.locator("#login-error")).to_contain_text("bloqueada")
    expect(page.get_by_role("heading", name="Fila de atendimento")).to_have_count(0)


def test_a_post_without_the_csrf_token_is_refused(page, rt):
    make_user(rt, "ana@op.com.br", "Ana")
    _sign_in(page)
    expect(page.get_by_role("heading", name="Fila de atendimento")).to_be_visible()
    # The browser's own cookies go along (same context), only the token is missing.
    refused = page.request.post("/console/logout", form={"x": "1"})
    assert refused.status == 400
    page.reload()
    expect(page.get_by_role("heading", name="Fila de atendimento")).to_be_visible()


def test_a_script_sent_over_whatsapp_is_inert_in_the_page(page, rt, wa):
    make_user(rt, "ana@op.com.br", "Ana")
    wa.say(MARIA, "atendente")
    attack = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
    wa.say(MARIA, attack)
    _sign_in(page)
    page.locator("tr[data-conversation]").get_by_role("link", name="Abrir").click()
    expect(page.locator("#transcript")).to_contain_text(attack)  # shown as text
    page.wait_for_timeout(3500)  # a polling refresh of the transcript happened too
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#transcript script, #transcript img").count() == 0
