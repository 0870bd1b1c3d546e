"""The cadence on the real e-mail channel (loopback SMTP) and a clinic's reply through
the authenticated e-mail webhook: the reply lands in the case and stops the cadence."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from storage.db import transaction
from storage.models import RetentionCase, RetentionContact
from tests.email_support import basic_auth, settings, smtp  # noqa: F401  (fixtures)

from .support import CLINIC_EMAIL, at, open_case, sweep


def _reply(client, body: str, in_reply_to: str):
    raw = (f"From: Clinica <{CLINIC_EMAIL}>\r\nTo: atendimento@plano.example.com.br\r\n"
           f"Subject: Re: Descredenciamento\r\nMessage-ID: <r1@sorrisopantanal.example.com.br>\r\n"
           f"In-Reply-To: {in_reply_to}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n")
    return client.post("/webhooks/email", data=raw.encode(), content_type="message/rfc822",
                       headers=basic_auth())


def _text(mail) -> str:
    return mail.get_body(preferencelist=("plain",)).get_content()


def test_email_contacts_go_out_and_an_email_reply_stops_the_cadence(client, rt, smtp):  # noqa: F811
    case_id = open_case(client, rt)
    sweep(rt)
    at(datetime(2026, 11, 27, 12, 0))
    sweep(rt)
    mails = [m for m in smtp.handler.messages() if CLINIC_EMAIL in m["To"]]
    assert len(mails) == 2
    assert "Cláusula Décima Primeira (RESCISÃO)" in _text(mails[1])
    assert "23/01/2027" in _text(mails[1])

    response = _reply(client, "Bom dia, muita glosa nos últimos meses, não compensa.",
                      mails[1]["Message-ID"])
    assert response.status_code == 200, response.data
    sweep(rt)
    answer = [m for m in smtp.handler.messages() if CLINIC_EMAIL in m["To"]][-1]
    assert "registrada no processo de descredenciamento" in _text(answer)
    at(datetime(2026, 12, 30, 13, 0))
    assert sweep(rt) == 0
    with transaction(rt.sessions) as s:
        case = s.get(RetentionCase, case_id)
        assert (case.status, case.reply_channel, case.suggested_reason) == ("replied", "email", "glosas")
        numbers = {c.number for c in s.scalars(select(RetentionContact).where(RetentionContact.case_id == case_id))}
        assert numbers == {1, 2}
