"""The bill as a PDF (fpdf2), texts from templates/messages/documents/boleto_pdf.j2."""
from __future__ import annotations

from bot.language.formatting import format_linha
from bot.language.templates import render
from bot.services.boleto import linha_digitavel
from bot.services.pdf_page import labelled_page


def render_bill_pdf(bill: dict) -> bytes:
    """bill keys: payer_name, cpf, card_number, competence, description, due_date, amount,
    barcode (44 digits), operator_name, operator_ans_code, title_code."""
    linha = format_linha(linha_digitavel(bill["barcode"]))
    lines = render("documents/boleto_pdf", linha=linha, **bill).splitlines()
    pdf = labelled_page(lines, wrap_values=False, auto_page_break=False)
    pdf.ln(6)
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 8, linha, new_x="LMARGIN", new_y="NEXT")
    pdf.interleaved2of5(bill["barcode"], x=pdf.l_margin, y=pdf.get_y() + 4, w=0.8, h=13)
    return bytes(pdf.output())
