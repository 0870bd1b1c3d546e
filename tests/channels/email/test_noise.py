"""Auto-replies and bounces are recognised, so they are never answered."""
from __future__ import annotations

import pytest

from bot.channels.email.inbound import parse_raw
from bot.channels.email.noise import classify
from tests.email_support import fixture


def _mail(headers: str, body: str = "texto") -> bytes:
    return (f"From: Maria <maria@example.com.br>\r\nTo: atendimento@plano.example.com.br\r\n"
            f"Message-ID: <n@example.com.br>\r\n{headers}\r\n{body}\r\n").encode()


def test_a_dsn_bounce_names_the_failed_recipient_and_status():
    found = classify(parse_raw(fixture("bounce_dsn.eml")))
    assert found.kind == "bounce" and found.permanent
    assert found.failed_recipient == "naoexiste@example.com.br"
    assert found.status == "5.1.1"
    assert "550 5.1.1" in found.diagnostic


def test_a_delay_report_is_a_bounce_but_not_permanent():
    raw = fixture("bounce_dsn.eml").replace(b"Action: failed", b"Action: delayed") \
        .replace(b"Status: 5.1.1", b"Status: 4.4.1")
    found = classify(parse_raw(raw))
    assert found.kind == "bounce" and not found.permanent


def test_out_of_office_in_portuguese():
    found = classify(parse_raw(fixture("out_of_office_pt.eml")))
    assert found.kind == "auto_reply"


@pytest.mark.parametrize("headers", [
    "Auto-Submitted: auto-generated\r\n",
    "X-Autoreply: yes\r\n",
    "X-Autorespond: Fora do escritório\r\n",
    "Precedence: bulk\r\n",
    "Precedence: junk\r\n",
    "Precedence: list\r\n",
    "Subject: Fora do escritório: Plano Demo\r\n",
    "Subject: =?utf-8?q?Resposta_autom=C3=A1tica=3A_boleto?=\r\n",
    "Subject: Automatic reply: boleto\r\n",
])
def test_auto_replies(headers):
    assert classify(parse_raw(_mail(headers))).kind == "auto_reply"


@pytest.mark.parametrize("headers", [
    "Auto-Submitted: no\r\n",
    "Subject: Re: boleto\r\n",
    "Subject: Resposta sobre o boleto\r\n",
    "Precedence: first-class\r\n",
])
def test_a_person_writing_is_not_noise(headers):
    assert classify(parse_raw(_mail(headers))) is None


def test_mailer_daemon_without_a_report_is_still_a_bounce():
    raw = (b"From: Mailer-Daemon <MAILER-DAEMON@mx.example.com>\r\nX-Failed-Recipients: "
           b"Ana@Example.com\r\nSubject: Mail delivery failed\r\n\r\n550 No such user\r\n")
    found = classify(parse_raw(raw))
    assert (found.kind, found.failed_recipient, found.status) == ("bounce", "ana@example.com", "550")
