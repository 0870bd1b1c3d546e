"""FEBRABAN barcode and linha digitável: known answers and properties."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.language.formatting import format_linha
from bot.services.boleto import (
    barcode_from_linha,
    build_barcode,
    due_factor,
    free_field,
    is_valid_linha,
    linha_digitavel,
)


@pytest.mark.parametrize("due,factor", [
    (date(2000, 7, 3), 1000), (date(2025, 2, 21), 9999),
    (date(2025, 2, 22), 1000), (date(2025, 2, 23), 1001), (date(2026, 11, 28), 1644),
])
def test_due_factor_with_the_february_2025_reset(due, factor):
    assert due_factor(due) == factor


def test_known_barcode_and_linha():
    barcode = build_barcode("001", Decimal("489.90"), date(2026, 11, 28), free_field("123456", "1001"))
    assert barcode == "00191164400000489901234560000000000000100121"
    linha = linha_digitavel(barcode)
    assert format_linha(linha) == "00191.23454 60000.000004 00001.001213 1 16440000048990"
    assert is_valid_linha(linha) and barcode_from_linha(linha) == barcode


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError):
        build_barcode("1", Decimal("1"), date(2026, 1, 1), "0" * 25)
    with pytest.raises(ValueError):
        build_barcode("001", Decimal("-1"), date(2026, 1, 1), "0" * 25)
    with pytest.raises(ValueError):
        build_barcode("001", Decimal("100000000.00"), date(2026, 1, 1), "0" * 25)
    with pytest.raises(ValueError):
        due_factor(date(1999, 1, 1))


@given(st.decimals(min_value=Decimal("0"), max_value=Decimal("99999999.99"), places=2),
       st.dates(min_value=date(2025, 2, 22), max_value=date(2049, 6, 30)),
       st.text("0123456789", min_size=25, max_size=25))
def test_round_trip_and_check_digits(amount, due, field):
    barcode = build_barcode("341", amount, due, field)
    linha = linha_digitavel(barcode)
    assert len(barcode) == 44 and len(linha) == 47
    assert is_valid_linha(linha) and barcode_from_linha(linha) == barcode
    assert int(barcode[9:19]) == int(amount * 100)


@given(st.integers(0, 46), st.integers(1, 9))
def test_any_changed_digit_in_a_field_is_detected(position, delta):
    linha = linha_digitavel(build_barcode("001", Decimal("123.45"), date(2026, 12, 1), "1" * 25))
    changed = linha[:position] + str((int(linha[position]) + delta) % 10) + linha[position + 1:]
    if position >= 33:  # factor and value are protected by the general check digit only
        assert not is_valid_linha(changed) or changed == linha
    else:
        assert not is_valid_linha(changed)


def test_bill_pdf_renders_accents_and_barcode():
    from bot.services.bill_pdf import render_bill_pdf

    pdf = render_bill_pdf({
        "payer_name": "João Conceição", "cpf": "11676496726", "card_number": "0001",
        "competence": date(2026, 11, 1), "description": "Contribuição Plano Básico",
        "due_date": date(2026, 11, 28), "amount": Decimal("489.90"),
        "barcode": build_barcode("001", Decimal("489.90"), date(2026, 11, 28), "0" * 25),
        "operator_name": "Plano Demo", "operator_ans_code": "123456", "title_code": "001"})
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
