"""The text a flow sees is what the person wrote this time (pt-BR clients)."""
from __future__ import annotations

import pytest

from bot.channels.email.quotes import html_to_text, new_part


@pytest.mark.parametrize("body, expected", [
    ("Sim, aceito.\n\n-----Mensagem original-----\nDe: Plano Demo\nEnviada em: quarta-feira"
     "\nAssunto: oferta\n\ntexto antigo\n", "Sim, aceito."),
    ("Sim.\n\n-----Original Message-----\nFrom: Plano\nSent: Wednesday\n\nold\n", "Sim."),
    ("Pode ser.\n\nDe: Plano Demo [mailto:atendimento@plano.example.com.br]\nEnviada em: "
     "quarta-feira, 3 de dezembro de 2026 10:15\nPara: José\nAssunto: RE: Seu boleto\n\nOlá\n",
     "Pode ser."),
    ("2\n> Olá! Escolha uma opção:\n> 1. Boleto\n> 2. Consulta\n", "2"),
    ("Quero marcar.\n\n-- \nMaria Souza\n(67) 99999-0001\n", "Quero marcar."),
    ("Quero a 2ª via\n\nEnviado do meu iPhone\n", "Quero a 2ª via"),
    ("Sim\n\nEm qua., 3 de dez. de 2026 às 10:15, Plano Demo <\natendimento@plano.com.br> "
     "escreveu:\n\n> Olá\n", "Sim"),
])
def test_history_and_signatures_are_cut(body, expected):
    assert new_part(body) == expected


@pytest.mark.parametrize("body", [
    "Obrigada, quero a segunda via.",  # thanks that start a sentence are the message
    "Meu CPF é 123.456.789-09\nnasci em 05/03/1980",
    "Quero:\n- boleto de novembro\n- boleto de dezembro",  # a list is not a signature
])
def test_what_the_person_wrote_is_kept(body):
    assert new_part(body) == body


def test_closing_words_alone_on_their_line_are_a_signature():
    assert new_part("Preciso do boleto.\n\nAtenciosamente,\nJosé") == "Preciso do boleto."


def test_html_keeps_accents_and_drops_active_content():
    text = html_to_text("<p>Olá, <i>João</i></p><style>p{}</style><script>x()</script>"
                        "<img src=https://t.example/p.gif>")
    assert text == "Olá, João"
