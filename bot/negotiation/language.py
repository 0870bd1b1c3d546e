"""How the negotiation reads free text that is not a payment request: the script's common
questions, "está caro", and what looks like a postal address. Pure functions over
`bot.text.normalize`d text, tested table-driven (tests/test_negotiation_language.py)."""
from __future__ import annotations

import re

# Order matters: "desbloquear o plano" is about reactivation, not about the card being
# blocked, so reactivation is tried before the card question.
QUESTIONS: list[tuple[str, re.Pattern]] = [
    ("reactivation", re.compile(
        r"voltar a usar|volto a usar|reativ|liberar o plano|liberacao do plano|usar o plano|"
        r"volta(?:r)? a funcionar|desbloque|plano (?:volta|liberado|ativo)")),
    ("card", re.compile(r"carteirinha|cartao do plano|\bbloque")),
    # "negativo" is a plain "no"; only negativado/negativação/negativar are the bureaus.
    ("credit_bureaus", re.compile(
        r"serasa|\bspc\b|\bscpc\b|nome sujo|cpf sujo|nome limpo|negativ(?:ad|ac|ar|ei|ou|em)|"
        r"protest|\bscore\b|orgaos? de protecao")),
    # Another debt, not just "another question": "tenho mais uma dúvida" is not a debt.
    ("extra_debts", re.compile(
        r"\b(?:outr[ao]s?|mais) (?:uma |um |duas |dois )?(?:divida|debito|pendencia|boleto|"
        r"conta|fatura|mensalidade|titulo|cobranca)s?\b|\btambem devo\b")),
]

# "Está caro" and its relatives; deliberately no bare "muito" / "não" ("muito obrigado",
# "não sei" are not requests for a discount).
DISCOUNT = re.compile(
    r"\b(?:desconto|caro|cara|abaix\w*|baixar|melhor(?:ar|a)?|menos|diminu\w*|reduz\w*|"
    r"puxado|salgado|alto|nao consigo|nao da|nao cabe|nao tenho (?:esse|todo)|sem condic\w*)\b")

# A street word, or a number together with at least two words of letters, or a CEP.
_STREET = re.compile(r"\b(?:rua|r|av|avenida|travessa|tv|alameda|al|rodovia|estrada|praca|"
                     r"quadra|qd|lote|lt|conjunto|residencial|condominio|bloco|apto|apartamento|"
                     r"casa|chacara|sitio|fazenda|setor|vila|jardim|bairro)\b")
_CEP = re.compile(r"\b\d{5}-?\d{3}\b")


def question_topic(norm: str) -> str | None:
    for topic, pattern in QUESTIONS:
        if pattern.search(norm):
            return topic
    return None


def wants_discount(norm: str) -> bool:
    return bool(DISCOUNT.search(norm))


def looks_like_address(norm: str) -> bool:
    """'rua das flores 120 centro dourados' yes; 'nao sei', 'ok obrigado', '123' no."""
    words = re.findall(r"[a-z]{2,}", norm)
    has_number = bool(re.search(r"\d", norm)) or bool(re.search(r"\bs/?n\b", norm))
    if _CEP.search(norm) and words:
        return True
    return has_number and len(words) >= 2 and (bool(_STREET.search(norm)) or len(words) >= 3)
