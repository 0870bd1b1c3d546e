"""The documents we generate as PDFs (fpdf2) share one page: a bold title, then
"label|value" lines in two columns and plain lines, all from a pt-BR template."""
from __future__ import annotations

from fpdf import FPDF

# The PDF core fonts (Helvetica) are Latin-1: Portuguese fits, typography does not
# ("Acordo 12 – parcela 1/5" failed the whole document).
_TYPOGRAPHY = str.maketrans({"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"',
                             "•": "-", "…": "...", "ª": "ª", "º": "º", "\u00a0": " "})


def latin1(text: str) -> str:
    return text.translate(_TYPOGRAPHY).encode("latin-1", "replace").decode("latin-1")


def labelled_page(lines: list[str], *, wrap_values: bool = True,
                  auto_page_break: bool = True) -> FPDF:
    """A page with the title and the lines; the caller may add more before output()."""
    lines = [latin1(line) for line in lines]
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto_page_break)
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
            write = pdf.multi_cell if wrap_values else pdf.cell
            write(0, 7, value, new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    return pdf
