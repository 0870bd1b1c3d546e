"""The bill as a PDF (fpdf2), texts from templates/messages/documents/boleto_pdf.j2."""
from __future__ import annotations

from fpdf import FPDF

from bot.language.formatting import format_linha
from bot.language.templates import render
from bot.services.boleto import linha_digitavel


# The PDF core fonts (Helvetica) are Latin-1: Portuguese fits, typography does not
# ("Acordo 12 – parcela 1/5" failed the whole document).
_TYPOGRAPHY = str.maketrans({"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"',
                             "•": "-", "…": "...", "ª": "ª", "º": "º", "\u00a0": " "})


def latin1(text: str) -> str:
    return text.translate(_TYPOGRAPHY).encode("latin-1", "replace").decode("latin-1")


def render_bill_pdf(bill: dict) -> bytes:
    """bill keys: payer_name, cpf, card_number, competence, description, due_date, amount,
    barcode (44 digits), operator_name, operator_ans_code, title_code."""
    linha = format_linha(linha_digitavel(bill["barcode"]))
    lines = latin1(render("documents/boleto_pdf", linha=linha, **bill)).splitlines()
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 10, lines[0], new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    for line in lines[1:]:
        if "|" in line:
            label, value = line.split("|", 1)
            pdf.set_font("Helvetica", "B", 10)
            pdf.cell(55, 7, label)
            pdf.set_font("Helvetica", size=10)
            pdf.cell(0, 7, value, new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 8, linha, new_x="LMARGIN", new_y="NEXT")
    pdf.interleaved2of5(bill["barcode"], x=pdf.l_margin, y=pdf.get_y() + 4, w=0.8, h=13)
    return bytes(pdf.output())
