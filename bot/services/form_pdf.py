"""The plan's standard form for a troca de titularidade, pre-filled as a PDF (fpdf2);
texts from templates/messages/documents/holder_change_form_pdf.j2."""
from __future__ import annotations

from fpdf import FPDF

from bot.language.templates import render
from bot.services.pdf_page import latin1


def render_holder_change_form(form: dict) -> bytes:
    """form keys: protocol, operator_name, operator_ans_code, plan, card_number,
    current_holder (name), current_holder_cpf, new_holder (name), new_holder_cpf,
    holder_deceased (bool), issued_on (dd/mm/aaaa)."""
    lines = render("documents/holder_change_form_pdf", **form).splitlines()
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.multi_cell(0, 8, latin1(lines[0]), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for line in lines[1:]:
        if line.startswith("## "):
            pdf.ln(3)
            pdf.set_font("Helvetica", "B", 11)
            pdf.multi_cell(0, 7, latin1(line[3:]), new_x="LMARGIN", new_y="NEXT")
        elif "|" in line:
            label, value = line.split("|", 1)
            pdf.set_font("Helvetica", "B", 10)
            pdf.cell(60, 7, latin1(label))
            pdf.set_font("Helvetica", size=10)
            pdf.multi_cell(0, 7, latin1(value), new_x="LMARGIN", new_y="NEXT")
        elif line.startswith("__"):
            pdf.ln(12)
            pdf.set_font("Helvetica", size=10)
            pdf.cell(0, 6, "_" * 60, new_x="LMARGIN", new_y="NEXT")
            pdf.cell(0, 6, latin1(line.strip("_ ")), new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.set_font("Helvetica", size=10)
            pdf.multi_cell(0, 6, latin1(line), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
