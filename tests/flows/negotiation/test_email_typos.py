"""E-mails as people type them: an address with something wrong ("joao@gmail") is told
it does not look valid (not asked for a yes), a comma for a dot in the domain and the
dictated "arroba"/"ponto" are read and spelled back for the person to confirm."""
from __future__ import annotations

import pytest

ROBERTO = "+5567999990004"


def _at_delivery(wa):
    wa.say(ROBERTO, "negociar")
    wa.say(ROBERTO, "530")
    wa.say(ROBERTO, "sim")
    assert "Como prefere receber" in wa.say(ROBERTO, "sim")[0]


def test_an_incomplete_email_is_said_to_be_invalid_while_confirming(wa):
    _at_delivery(wa)
    assert "roberto.nogueira@example.com.br" in wa.say(ROBERTO, "2")[0]
    reply = wa.say(ROBERTO, "joao@gmail")[0]
    assert "não parece válido" in reply
    spelled = wa.say(ROBERTO, "joao@gmail.com")[0]
    assert "j o a o @ g m a i l . c o m" in spelled


def test_an_incomplete_email_at_the_delivery_question(wa):
    _at_delivery(wa)
    assert "não parece válido" in wa.say(ROBERTO, "manda pra joao@gmail")[0]


@pytest.mark.parametrize("typed,email", [
    ("joao@gmail,com", "joao@gmail.com"),
    ("joao.silva@hotmail,com,br", "joao.silva@hotmail.com.br"),
    ("roberto arroba gmail ponto com", "roberto@gmail.com"),
    ("é roberto.n arroba example ponto com ponto br", "roberto.n@example.com.br"),
])
def test_comma_for_dot_and_dictated_emails_are_spelled_back(wa, typed, email):
    _at_delivery(wa)
    wa.say(ROBERTO, "2")
    reply = wa.say(ROBERTO, typed)[0]
    assert f"Vou enviar para *{email}*" in reply
    summary = wa.say(ROBERTO, "sim")[0]
    assert f"por e-mail para {email}" in summary
