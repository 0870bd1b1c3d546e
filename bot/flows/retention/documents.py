"""Brazilian registration numbers of providers: CNPJ (numeric and the alphanumeric CNPJ
issued from July 2026), CPF, CRO + UF.

Alphanumeric CNPJ (Receita Federal, IN RFB 2.229/2024): 12 characters [0-9A-Z] and two
numeric check digits. Each character is worth its ASCII code minus 48 ("0".."9" → 0..9,
"A" → 17 … "Z" → 42); the check digits are the usual mod 11 with weights 2..9 from the
right. A numeric CNPJ is the same computation, so one function validates both.
"""
from __future__ import annotations

import re

UFS = frozenset("AC AL AP AM BA CE DF ES GO MA MT MS MG PA PB PR PE PI RJ RN RS RO RR SC SP SE TO".split())
_CNPJ = re.compile(r"^[0-9A-Z]{12}[0-9]{2}$")


def clean_cnpj(value: str) -> str:
    """'12.ABC.345/01DE-35' → '12ABC34501DE35' (punctuation dropped, upper case)."""
    return re.sub(r"[.\-/\s]", "", value or "").upper()


def _check_digit(body: str) -> int:
    weights = [2, 3, 4, 5, 6, 7, 8, 9]
    total = sum((ord(ch) - 48) * weights[i % 8] for i, ch in enumerate(reversed(body)))
    remainder = total % 11
    return 0 if remainder < 2 else 11 - remainder


def cnpj_check_digits(base12: str) -> str:
    first = _check_digit(base12)
    return f"{first}{_check_digit(base12 + str(first))}"


def valid_cnpj(value: str) -> bool:
    cnpj = clean_cnpj(value)
    if not _CNPJ.match(cnpj) or len(set(cnpj)) == 1:
        return False
    return cnpj[12:] == cnpj_check_digits(cnpj[:12])


def clean_cpf(value: str) -> str:
    return re.sub(r"\D", "", value or "")


def valid_cpf(value: str) -> bool:
    cpf = clean_cpf(value)
    if len(cpf) != 11 or len(set(cpf)) == 1:
        return False
    for size in (9, 10):
        total = sum(int(cpf[i]) * (size + 1 - i) for i in range(size))
        digit = (total * 10) % 11 % 10
        if digit != int(cpf[size]):
            return False
    return True


def clean_cro(value: str) -> str:
    return re.sub(r"\D", "", str(value or "")).lstrip("0")


def valid_cro(cro: str, uf: str) -> bool:
    """A CRO number is per state: 1 to 6 digits, with a real UF."""
    number = clean_cro(cro)
    return 1 <= len(number) <= 6 and (uf or "").upper() in UFS
