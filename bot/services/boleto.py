"""FEBRABAN boleto barcode (44 digits) and linha digitável (47 digits).

Campo livre layout of the embedded demo issuer (a real bank's layout comes from the
operator's API): convênio (6) + nosso número (17) + carteira "21" (2) = 25 digits.
"""
from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

BASE_DATE = date(1997, 10, 7)
# FEBRABAN ran out of 4-digit factors: 21/02/2025 was 9999 and on 22/02/2025 the factor
# restarted at 1000 (a new cycle of 9000 days) instead of overflowing to 10000.
RESET_DATE = date(2025, 2, 22)
CARTEIRA = "21"


def due_factor(due: date) -> int:
    if due >= RESET_DATE:
        factor = 1000 + (due - RESET_DATE).days
    else:
        factor = (due - BASE_DATE).days
        if factor < 1000:
            raise ValueError(f"due date {due:%d/%m/%Y} is before the first representable factor")
    if factor > 9999:
        raise ValueError(f"due date {due:%d/%m/%Y} is beyond the current factor cycle")
    return factor


def _mod10(digits: str) -> int:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch) * (2 if i % 2 == 0 else 1)
        total += n // 10 + n % 10
    return (10 - total % 10) % 10


def _mod11_general(digits: str) -> int:
    total = sum(int(ch) * (2 + i % 8) for i, ch in enumerate(reversed(digits)))
    dv = 11 - total % 11
    return 1 if dv in (0, 10, 11) else dv


def build_barcode(bank_code: str, amount: Decimal, due: date, free_field: str,
                  currency: str = "9") -> str:
    if not re.fullmatch(r"\d{3}", bank_code):
        raise ValueError("bank code must have 3 digits")
    if not re.fullmatch(r"\d{25}", free_field):
        raise ValueError("free field (campo livre) must have 25 digits")
    amount = Decimal(amount)
    if amount < 0:
        raise ValueError("amount cannot be negative")
    cents = int((amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) * 100))
    if cents > 9_999_999_999:
        raise ValueError("amount does not fit the barcode's 10 digits")
    body = f"{bank_code}{currency}{due_factor(due):04d}{cents:010d}{free_field}"
    dv = _mod11_general(body)
    return body[:4] + str(dv) + body[4:]


def linha_digitavel(barcode: str) -> str:
    if not re.fullmatch(r"\d{44}", barcode):
        raise ValueError("barcode must have 44 digits")
    free = barcode[19:]
    f1 = barcode[:4] + free[:5]
    f2 = free[5:15]
    f3 = free[15:25]
    return (f1 + str(_mod10(f1)) + f2 + str(_mod10(f2)) + f3 + str(_mod10(f3))
            + barcode[4] + barcode[5:19])


def barcode_from_linha(linha: str) -> str:
    d = re.sub(r"\D", "", linha)
    if len(d) != 47:
        raise ValueError("linha digitável must have 47 digits")
    return d[:4] + d[32] + d[33:47] + d[4:9] + d[10:20] + d[21:31]


def is_valid_linha(linha: str) -> bool:
    d = re.sub(r"\D", "", linha)
    if len(d) != 47:
        return False
    fields = ((d[:9], d[9]), (d[10:20], d[20]), (d[21:31], d[31]))
    if any(str(_mod10(body)) != dv for body, dv in fields):
        return False
    barcode = barcode_from_linha(d)
    return str(_mod11_general(barcode[:4] + barcode[5:])) == barcode[4]


def free_field(agreement: str, our_number: str) -> str:
    agreement = re.sub(r"\D", "", agreement).zfill(6)
    our_number = re.sub(r"\D", "", our_number).zfill(17)
    if len(agreement) != 6 or len(our_number) != 17:
        raise ValueError("convênio has 6 digits and nosso número up to 17")
    return agreement + our_number + CARTEIRA
