"""How the negotiation reads free text: payment requests ("em 5x", "entrada de 200",
"à vista"), the script's common questions, "está caro", and what looks like a postal
address. Pure functions over `bot.language.text.normalize`d text, tested table-driven
(tests/test_negotiation_language.py, the corpus in tests/corpus/slots/)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from text_to_num import alpha2digit

from bot.flows.negotiation.centavos import cents
from bot.language.intents import BUT, clauses
from bot.language.text import normalize

_THING = r"(?:titulo|cobranca|debito|divida|codigo|fatura|pendencia|\d{3}\b)s?"

# Order matters: "desbloquear o plano" is about reactivation, not about the card being
# blocked, so reactivation is tried before the card question.
QUESTIONS: list[tuple[str, re.Pattern | None]] = [
    ("reactivation", re.compile(
        r"voltar a usar|volto a usar|reativ|liberar o plano|liberacao do plano|usar o plano|"
        r"volta(?:r)? a funcionar|desbloque|plano (?:volta|liberado|ativo)")),
    ("card", re.compile(r"carteirinha|cartao do plano|\bbloque")),
    # "negativo" is a plain "no"; only negativado/negativação/negativar are the bureaus.
    ("credit_bureaus", re.compile(
        r"serasa|\bspc\b|\bscpc\b|nome sujo|cpf sujo|nome limpo|negativ(?:ad|ac|ar|ei|ou|em)|"
        r"protest|\bscore\b|orgaos? de protecao")),
    # The person says the debt is not theirs or already paid: it must not be pressed.
    # Tried before extra_debts ("não devo essa outra conta" is a dispute).
    ("dispute", re.compile(
        r"\bnao reconhec\w*|\bnao devo\b(?! (?:conseguir|poder|dar|ter|ficar))|"
        r"\bnao (?:fiz|contratei|usei|utilizei) (?:esse|essa|este|esta|isso|isto|nenhum\w*|nada)\b|"
        r"\bnao (?:e|eh) (?:minha|meu)\b|"
        r"\bnunca (?:usei|utilizei|fiz|devi)\b|\bja (?:paguei|foi pago|foi paga|esta pago|esta paga|"
        r"ta pago|ta paga|quitei|foi quitad\w*)\b|\bpaguei (?:esse|essa|este|esta|isso|tudo|ja)\b|"
        r"\b(?:cobranca|debito|valor) (?:indevid\w*|errad\w*)|\bdesconheco\b")),
    # Another debt, not just "another question": "tenho mais uma dúvida" is not a debt.
    ("extra_debts", re.compile(
        r"\b(?:outr[ao]s?|mais) (?:uma |um |duas |dois )?(?:divida|debito|pendencia|boleto|"
        r"conta|fatura|mensalidade|titulo|cobranca)s?\b|\btambem devo\b|"
        r"\btambem tenho (?:uma |um |outra |outro |mais )?(?:divida|debito|pendencia|boleto|conta|"
        r"fatura|mensalidade|titulo|cobranca)s?\b|"
        r"\b(?:divida|debito|pendencia|boleto|conta|fatura|titulo)s? .*\bque nao (?:ta|esta|aparece|apareceu)"
        r"(?: aqui| na lista| ai)?\b")),
    # "Posso pagar direto na CASSEMS?": the script — while the debt is with the collector,
    # it is not negotiated at the plan's desk. The operator is named by the rules file
    # (`_with_collector`), so its pattern is built per operator: None here.
    ("with_collector", None),
    # What a title is ("o que é esse título 050?", "de que é essa cobrança?"): answered from
    # the title's own data. Last, so "não reconheço esse título" stays a dispute.
    ("title", re.compile(
        rf"\b(?:o ?que|de que|do que|qual|que tipo de)(?: (?:e|eh|seria|sao|significa|quer dizer))? "
        rf"(?:(?:o|a|os|as|esse|essa|esses|essas|este|esta|isso|isto|aquele|aquela|ai) )?{_THING}|"
        rf"\bque {_THING} (?:e|eh|sao|seria|seriam) (?:ess|est|aquel)|"
        rf"\b{_THING} (?:e|eh|sao|seria|seriam) (?:de|do|da|referente a|sobre) (?:que|o que|quem)\b|"
        r"\b(?:do que|de que) se trata\b|\bse refere a (?:que|o que)\b|\breferente a (?:que|o que)\b|"
        r"\bde onde (?:e|vem|veio) (?:ess|est)")),
]

# "Não quero", "sem interesse": the person turns the negotiation down — not a price
# objection ("não consigo pagar esse valor" is one) nor installments turned down ("não
# quero parcelar" is a wish for cash, read by rules.parse_installment_request).
_NOT_NOW = r"(?:agora|no momento|por enquanto|este mes|esse mes|nesse momento|neste momento|hoje)"
REFUSAL = re.compile(
    r"^(?:nao|n) quero(?: (?:nao|negociar|fazer acordo|acordo|pagar|mais|nada|obrigad[oa]|agora))*"
    r"(?: obrigad[oa]| valeu| grato| grata)?$|^(?:nao|n)(?: obrigad[oa]| valeu)+$|"
    r"\bnao vou (?:pagar|negociar|fazer acordo)\b(?! (?:agora|hoje|no momento|por enquanto))|"
    r"\bnao tenho interesse\b|\bsem interesse\b")
# "Vou pensar", "agora não", "não tenho dinheiro agora": not now — a deferral or hardship,
# which the conciliador answers with the next step of the discount when there is one.
DEFERRAL = re.compile(
    r"\b(?:vou|preciso|tenho que|vou ter que) (?:pensar|ver|analisar|avaliar|verificar|conversar|"
    r"falar com|me organizar|organizar)\b|"
    r"\bdepois (?:eu )?(?:vejo|veja|penso|falo|te falo|retorno|volto|respondo|resolvo|negocio|pago)\b|"
    r"\b(?:te|lhe|vos) (?:aviso|falo|retorno|respondo)\b|"
    r"\b(?:outro dia|outra hora|mais tarde) (?:eu )?(?:vejo|falo|volto|retorno|negocio)\b|"
    r"\bnao (?:tenho|tem|temos|vejo) como pagar\b|\bnao tenho (?:dinheiro|grana)\b|"
    r"\b(?:to|tou|estou|fiquei|ando|tô) sem (?:dinheiro|grana)\b|"
    rf"\bnao (?:consigo|posso|vou|da pra|da para)(?: (?:conseguir|poder))?(?: (?:pagar|negociar|fazer acordo))?"
    rf"(?: nada)? {_NOT_NOW}\b|"
    rf"^(?:agora nao|{_NOT_NOW} nao)(?: obrigad[oa]| da| posso| consigo)?$|"
    r"\b(?:deixa|fica|deixo|vou deixar|deixar|vamos deixar) (?:pra|para) (?:depois|outro dia|outra hora|"
    r"mais tarde|outro mes|o mes que vem|o proximo mes)\b")

# "Está caro" and its relatives; deliberately no bare "muito" / "não" ("muito obrigado",
# "não sei" are not requests for a discount), nor a bare "não consigo" / "não dá": the
# offer asks "consegue pagar até essa data?", so those answer the date, not the price.
DISCOUNT = re.compile(
    r"\b(?:desconto|caro|cara|abaix\w*|baixar|melhor(?:ar|a)?|menos|diminu\w*|reduz\w*|"
    r"puxado|salgado|alto|nao cabe|nao tenho (?:esse|todo)|sem condic\w*|"
    r"(?:nao consigo|nao da (?:pra|para)|nao tenho como) pagar (?:isso|esse|essa|este|esta|tudo|todo|o valor)|"
    r"valor (?:muito |bem )?(?:alto|grande))\b")

# A street word, or a number together with at least two words of letters, or a CEP.
_STREET = re.compile(r"\b(?:rua|r|av|avenida|travessa|tv|alameda|al|rodovia|estrada|praca|"
                     r"quadra|qd|lote|lt|conjunto|residencial|condominio|bloco|apto|apartamento|"
                     r"casa|chacara|sitio|fazenda|setor|vila|jardim|bairro)\b")
_CEP = re.compile(r"\b\d{5}-?\d{3}\b")


# Words anyone uses for the plan itself, whatever its name.
_PLAN_WORDS = ("plano", "operadora", "convenio", "central")


@lru_cache(maxsize=16)
def _with_collector(operator_name: str) -> re.Pattern:
    """"Pagar/negociar … direto na <plan>", the plan being a generic word or the rules
    file's `operator_name` (accents and case do not matter): a second operator's file
    works without code changes."""
    names = [re.escape(n) for n in (normalize(operator_name),) if n] + list(_PLAN_WORDS)
    names.sort(key=len, reverse=True)  # "plano de saude demo" before "plano"
    return re.compile(
        r"\b(?:pagar|negociar|resolver|parcelar|acertar|quitar)(?: \w+){0,3}? (?:direto |diretamente )?"
        rf"(?:na|no|com a|com o|pela|pelo|junto a|junto ao) (?:{'|'.join(names)})\b")


def question_topic(norm: str, operator_name: str = "") -> str | None:
    """The script's question `norm` asks, if any; `operator_name` is the rules file's."""
    for topic, pattern in QUESTIONS:
        if (pattern or _with_collector(operator_name)).search(norm):
            return topic
    return None


def wants_discount(norm: str) -> bool:
    return bool(DISCOUNT.search(norm))


def _plain(norm: str) -> str:
    return " ".join(re.sub(r"[,.;:!?]+", " ", norm).split())


def refuses(norm: str) -> bool:
    """The negotiation turned down: flatly, or for now (`defers`)."""
    plain = _plain(norm)
    return bool(REFUSAL.search(plain) or DEFERRAL.search(plain))


def defers(norm: str) -> bool:
    """Not now rather than no: "vou pensar", "agora não", "não tenho dinheiro agora"."""
    plain = _plain(norm)
    return bool(DEFERRAL.search(plain)) and not REFUSAL.search(plain)


# The address is no longer the registry's: "mudei sim", "moro em outro lugar agora".
MOVED = re.compile(r"\b(?:mudei|mudou|me mudei|mudamos|mudaram|nao moro mais|moro em outr[ao]|"
                   r"outro endereco|endereco (?:novo|mudou|e outro)|estou morando|to morando)\b")
# ... and the opposite, which must not be read as a move: "não mudei", "continua o mesmo".
NOT_MOVED = re.compile(r"\bnao (?:me )?mud\w*|\bcontinua (?:o )?mesmo\b|\bmesmo endereco\b|"
                       r"\bnao mudou nada\b")


def moved(norm: str) -> bool:
    return bool(MOVED.search(norm)) and not NOT_MOVED.search(norm)


def not_moved(norm: str) -> bool:
    return bool(NOT_MOVED.search(norm))


# "Pode mandar aqui mesmo", "nesse número", "pelo zap": this WhatsApp conversation.
HERE = re.compile(r"\b(?:aqui|por aqui|neste numero|nesse numero|este numero|esse numero|"
                  r"mesmo numero|whatsapp|whats|zap|wpp)\b")
EMAIL = re.compile(r"\be-? ?mail\b")


# Where a street begins in the person's own text ("não moro na *rua* …", "agora moro na
# *Avenida* …"): matched on the original text, so what is kept is exactly what was typed.
_STREET_START = re.compile(
    r"(?i)\b(?:rua|r\.|av\.?|avenida|travessa|alameda|rodovia|estrada|pra[çc]a|quadra|qd\.?|"
    r"conjunto|residencial|condom[íi]nio|ch[áa]cara|s[íi]tio|fazenda)(?=\s)")


def without_lead_in(text: str) -> str:
    """The address without a lead-in before its street ("não, moro na rua X 10" -> "rua X
    10"); a text whose first street word follows a number is kept whole ("casa 2, rua …")."""
    match = _STREET_START.search(text)
    if match is None or re.search(r"\d", text[:match.start()]):
        return text
    return text[match.start():]


_SECOND_COPY_NUMBER = re.compile(r"\b2\s?a?\s+via\b")


def looks_like_address(norm: str) -> bool:
    """'rua das flores 120 centro dourados' yes; 'nao sei', 'ok obrigado', '123' no."""
    norm = _SECOND_COPY_NUMBER.sub(" ", norm)  # "quero a 2a via do boleto" has no house number
    words = re.findall(r"[a-z]{2,}", norm)
    has_number = bool(re.search(r"\d", norm)) or bool(re.search(r"\bs/?n\b", norm))
    if _CEP.search(norm) and words:
        return True
    return has_number and len(words) >= 2 and (bool(_STREET.search(norm)) or len(words) >= 3)


# Saying yes to the offer ("Consegue pagar até essa data?") in so many words: "consigo
# pagar", "fechou", "tá bom", "pode mandar o boleto", "me manda o boleto" (said there it
# is this offer's boleto, not a 2ª via of another bill). Whole clause only, so "não consigo
# pagar", "consigo pagar não" and "fechou, mas …" are not read as a yes.
ACCEPTANCE = re.compile(
    r"^(?:(?:sim|ok|opa|entao|beleza|blz|certo|show|otimo|perfeito) )*"
    r"(?:consigo(?: pagar| sim| ate (?:la|essa data|o dia))*|da(?: sim| para pagar| pra pagar)|"
    r"fech(?:ou|ado|amos|o)|(?:ta|esta|tudo) fechado|negocio fechado|combinado|"
    r"aceito(?: a proposta| a oferta| essa| esse| sim)?|(?:quero|bora|vamos|pode) fechar|"
    r"(?:pode )?(?:me )?(?:mand(?:a|ar|e)|gera(?:r)?|emitir|emite|envi(?:a|ar|e))"
    r"(?: o| os)? boletos?|quero (?:o|os) boletos?|"
    r"vou (?:pagar|fechar|querer)|(?:ta|esta|tudo) bom|pode ser|quero sim)"
    r"(?: (?:sim|entao|ai|pode ser|obrigad[oa]|por favor|pf|pfv))*$")
_FILLERS = frozenset({"sim", "ok", "opa", "entao", "beleza", "blz", "certo", "show", "otimo",
                      "perfeito", "ta", "pode ser", "obrigado", "obrigada"})


def accepts(text: str) -> bool:
    """The offer accepted in words yes_no does not know (see ACCEPTANCE)."""
    parts = clauses(text)
    while parts and parts[0] in _FILLERS and len(parts) > 1:
        parts = parts[1:]
    if not parts or not ACCEPTANCE.match(parts[0]):
        return False
    return not any(BUT.search(p) for p in parts[1:])


# -- payment requests -------------------------------------------------------------------
@dataclass(frozen=True)
class InstallmentRequest:
    wants_installments: bool = False
    installments: int | None = None  # after the entrada, as in "entrada + 6x"
    entrada: Decimal | None = None
    day: int | None = None  # day of the month for the due date ("dia 10")
    wants_cash: bool = False
    installment_value: Decimal | None = None  # "80 por mês", "parcelas de 300": a boleto's value
    # A counter-offer by amount: what the person offers to pay in all ("consegue por
    # 1500?", "pago 800 à vista", "só consigo 1500"); never an entrada or an installment.
    offered_total: Decimal | None = None

    @property
    def empty(self) -> bool:
        return not (self.wants_installments or self.installments or self.entrada
                    or self.day or self.wants_cash or self.offered_total)


_WORDS = {"uma": 1, "um": 1, "duas": 2, "dois": 2, "tres": 3, "quatro": 4, "cinco": 5, "seis": 6,
          "sete": 7, "oito": 8, "nove": 9, "dez": 10, "onze": 11, "doze": 12}
_COUNT = r"(\d{1,2}|" + "|".join(_WORDS) + r")"
_MONEY = r"(\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?|\d+[.,]\d{1,2}(?!\d)|\d+)"
_NOT_A_COUNT = r"(?!\d|[.,]\d| ?(?:x\b|vez|parcela|prestac|mes|por mes|ao mes))"
_N = [re.compile(rf"\b{_COUNT} ?(?:x\b|vez(?:es)?\b|parcelas?\b|prestac(?:oes|ao)\b|meses\b)"),
      re.compile(rf"\b(?:parcel|divid)\w* (?:em |por )?{_COUNT}\b{_NOT_A_COUNT}"),
      re.compile(rf"\b(?:resto|restante|saldo) (?:em |de )?{_COUNT}\b{_NOT_A_COUNT}")]
# Numbers written in words ("quinze vezes", "entrada de cento e cinquenta", "dia dez") are
# read as digits (text2num) before the patterns below. threshold=2 leaves a lone "um"/"uma"
# a word: it is mostly an article ("uma entrada de 200"); `_WORDS` reads it where it is a
# count ("uma parcela").
# "2 mil" (digits, then the word) is ours to read: text2num leaves the 2 and turns "mil"
# into 1000 on its own.
_THOUSANDS = re.compile(r"\b(\d{1,3}) mil\b")


def _digits_for_words(norm: str) -> str:
    norm = _THOUSANDS.sub(lambda m: str(int(m.group(1)) * 1000), norm)
    return alpha2digit(norm, "pt", threshold=2)


# "não quero parcelar", "não vou dividir": the person turns installments down.
_NO_INSTALLMENTS = re.compile(r"\bnao (?:\w+ ){0,2}(?:parcel|divid|prestac)")
_ENTRADA = [
    re.compile(rf"\bentrada (?:de |com |sendo )?(?:r )?{_MONEY}{_NOT_A_COUNT}"),
    re.compile(rf"(?:r )?{_MONEY} (?:reais )?(?:de|na|como|pra|para) (?:a )?entrada\b"),
    re.compile(rf"\b(?:dar|dou|posso dar|consigo dar) (?:r )?{_MONEY}{_NOT_A_COUNT}"),
]
# The installment the person can pay: "parcelas de 300", "80 por mês", "200 mensais".
_VALUE = [
    re.compile(rf"\b(?:parcelas?|prestac(?:oes|ao)) (?:de |de ate |de no maximo )?(?:r )?{_MONEY}{_NOT_A_COUNT}"),
    re.compile(rf"(?:\br )?\b{_MONEY} (?:reais )?(?:por mes|ao mes|mensais|mensal|por parcela|de parcela)\b"),
]
# A total the person offers: an amount after a word of bargaining or paying ("consegue
# por 1500", "faz por 1200", "fecho em 900", "se fizer 1000", "pago 800", "consigo pagar
# 2000", "tenho 500", "meu limite é 1000"), or an amount alone ("R$ 800", "1500 à vista").
# Not a count, a date, a day or a monthly value ("pago em 5x", "consigo pagar 28/11",
# "pago 28 de novembro", "consigo 100 por mês").
_OFFER_WORD = (r"(?:consegue|conseguem|conseguiria|consigo|faz|faria|fazer|fizer|fecha|fecho|fechar|"
               r"fechamos|deixa|deixar|sai|aceita|aceitaria|topa|toparia|pago|pagaria|pagar|posso|"
               r"tenho|ofereco|quito|quitaria|quitar|limite e|limite de|maximo e|maximo de)")
_AMOUNT_ENDS = (r"(?![/\d]|[.,]\d)(?! ?(?:x\b|vez|parcela|prestac|mes|por mes|ao mes|mensa|dias?\b|%|"
                r"por cento|de entrada|na entrada|de (?:jan|fev|mar|abr|mai|jun|jul|ago|set|out|nov|dez)))")
_TOTAL = [
    re.compile(rf"\b{_OFFER_WORD}(?: (?:so|somente|apenas|ate|no maximo|tudo|isso|o total|a divida|"
               rf"por|em|com|pagar|uns|umas))*? (?:r )?{_MONEY}{_AMOUNT_ENDS}"),
    re.compile(rf"^(?:so |somente |apenas )?(r )?{_MONEY}( reais)?( a ?vista)?$"),
]


_NEGATED = re.compile(r"\b(?:nao|n)(?: \w+){0,2} $")


def _offered_total(norm: str) -> Decimal | None:
    text = " ".join(re.sub(r"[?!;:]+|[,.](?!\d)", " ", norm).split())
    said = next((m for m in _TOTAL[0].finditer(text)
                 if not _NEGATED.search(text[:m.start()])), None)  # not "não consigo pagar 1500"
    if said:
        amount = _money(said.group(1))
        return amount if amount >= 10 else None  # "tenho 2 títulos" offers nothing
    alone = _TOTAL[1].search(text)
    if alone is None:
        return None
    amount = _money(alone.group(2))
    # An amount alone is money when it says so (R$, reais, à vista) or is too large for
    # a count or a day ("1500"; not "10").
    return amount if any(alone.group(i) for i in (1, 3, 4)) or amount >= 100 else None
# "dia 10", "dia 1º" (normalized to "1o"/"1deg"), "dia primeiro"; not "dia 10/12".
_DAY = re.compile(r"\bdia (\d{1,2}|primeiro)(?:o|deg)?\b(?![/.-]\d)")


def _money(raw: str) -> Decimal:
    if "," in raw:  # 1.200,50
        return cents(Decimal(raw.replace(".", "").replace(",", ".")))
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", raw):  # 1.200
        return cents(Decimal(raw.replace(".", "")))
    return cents(Decimal(raw))


def parse_installment_request(text: str) -> InstallmentRequest:
    """'em 5x', 'parcelar', 'quanto fica em 10 vezes', 'só consigo dar 150 de entrada',
    'consigo pagar dia 10', 'entrada de R$ 200,00 e 6x', '12 parcelas', 'à vista',
    'consegue por 1500?' (`offered_total`). A bare "1x"/"uma vez" is read as cash: people
    say it for a single payment."""
    norm = _digits_for_words(normalize(re.sub(r"(?i)r\$", " r ", text or "")))
    n = next((m for m in (p.search(norm) for p in _N) if m), None)
    count = (_WORDS.get(n.group(1)) or int(n.group(1))) if n else None
    entrada = next((_money(m.group(1)) for m in (p.search(norm) for p in _ENTRADA) if m), None)
    value = next((_money(m.group(1)) for m in (p.search(norm) for p in _VALUE) if m), None)
    total = None if entrada or value else _offered_total(norm)
    day = _DAY.search(norm)
    day = (1 if day.group(1) == "primeiro" else int(day.group(1))) if day else None
    day = day if day and 1 <= day <= 31 else None
    cash = bool(re.search(r"\ba ?vista\b", norm))
    if _NO_INSTALLMENTS.search(norm):
        return InstallmentRequest(day=day, wants_cash=True, offered_total=total)
    if count == 1 and entrada is None and not re.search(r"\bentrada\b", norm):
        count, cash = None, True  # "1x", "uma vez": a single payment; "entrada + 1x" is not
    if count == 0:
        count = None
    wants = bool(count or entrada or value or re.search(r"\bparcel|\bprestac|\bdivid", norm))
    return InstallmentRequest(wants_installments=wants, installments=count, entrada=entrada,
                              day=day, wants_cash=cash and not wants,
                              installment_value=value if value and not count else None,
                              offered_total=total)
