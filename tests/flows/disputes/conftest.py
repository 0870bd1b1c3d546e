"""Disputes with the e-mail channel on: a real SMTP server on loopback captures what
contas médicas and finance receive."""
from __future__ import annotations

import pytest

from ...email_support import SmtpServer, with_email

CONTAS_MEDICAS = "contas.medicas@plano.example.com.br"
FINANCEIRO = "financeiro@plano.example.com.br"


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


@pytest.fixture
def settings(settings, smtp):
    return with_email(settings, smtp, team_email_contas_medicas=CONTAS_MEDICAS,
                      team_email_finance=FINANCEIRO)
