"""OCR is optional: the text of an identity document read into CPF and name; without
tesseract nothing is read and nothing fails."""
from __future__ import annotations

from unittest import mock

from bot.services import ocr

RG_TEXT = """REPUBLICA FEDERATIVA DO BRASIL
CARTEIRA DE IDENTIDADE
NOME
MARIA APARECIDA DA SILVA
CPF 116.764.967-26  NASCIMENTO 05/03/1980
"""


def test_the_cpf_with_valid_check_digits_and_the_name_after_its_label_are_read():
    read = ocr.parse_identity(RG_TEXT)
    assert read.cpf == "11676496726" and read.name == "MARIA APARECIDA DA SILVA"


def test_a_number_that_is_not_a_cpf_is_not_taken_for_one():
    assert ocr.parse_identity("REGISTRO 123.456.789-00\nJOAO PEDRO DA SILVA").cpf is None
    assert ocr.parse_identity("REGISTRO 123.456.789-00\nJOAO PEDRO DA SILVA").name == "JOAO PEDRO DA SILVA"


def test_without_tesseract_nothing_is_read():
    ocr.available.cache_clear()
    try:
        with mock.patch("shutil.which", return_value=None):
            assert ocr.available() is False
            assert ocr.read_identity(b"\xff\xd8\xff", "image/jpeg") is None
    finally:
        ocr.available.cache_clear()
