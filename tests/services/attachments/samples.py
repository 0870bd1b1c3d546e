"""Real files made on the spot: documents, photos, and the things people send by mistake."""
from __future__ import annotations

import io
import zipfile

from PIL import Image, ImageDraw

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-auth-token"
MESSAGE_SID = "MM" + "1" * 32
MEDIA_SID = "ME" + "2" * 32
MEDIA_URL = (f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}"
             f"/Messages/{MESSAGE_SID}/Media/{MEDIA_SID}")
CDN_URL = "https://mms.twiliocdn.com/ACxyz/abc123?Expires=1&Signature=s"


def media_url(media_sid: str = MEDIA_SID, message_sid: str = MESSAGE_SID) -> str:
    return (f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}"
            f"/Messages/{message_sid}/Media/{media_sid}")


def document_photo(size=(1000, 1400), seed: int = 0) -> Image.Image:
    """A sheet with lines of 'text' and a photo box: what a picture of an RG looks like."""
    image = Image.new("RGB", size, (235, 232, 225))
    draw = ImageDraw.Draw(image)
    width, height = size
    for row in range(12):
        y = 60 + row * (height - 120) // 12
        draw.rectangle([60, y, 60 + (row * 37 + seed * 11) % (width - 200) + 100, y + 18],
                       fill=(40, 40, 60))
    draw.rectangle([width - 260, 60, width - 60, 300], fill=(120, 90, 70))
    draw.text((70, height - 60), f"REPUBLICA FEDERATIVA DO BRASIL {seed}", fill=(0, 0, 0))
    return image


def image_bytes(fmt: str = "JPEG", size=(1000, 1400), seed: int = 0) -> bytes:
    buffer = io.BytesIO()
    document_photo(size, seed).save(buffer, format=fmt)
    return buffer.getvalue()


def blank_jpeg(size=(1200, 1600), colour=(250, 250, 250)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="JPEG")
    return buffer.getvalue()


def heic_bytes(size=(800, 1000), seed: int = 0) -> bytes:
    from pillow_heif import register_heif_opener

    register_heif_opener()
    return image_bytes("HEIF", size, seed)


def pdf_bytes(pages: int = 2) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for number in range(pages):
        pdf.add_page()
        pdf.cell(0, 10, f"Comprovante de residencia - pagina {number + 1}")
    return bytes(pdf.output())


def encrypted_pdf(user_password: str = "segredo", owner_password: str | None = None) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes())))
    writer.encrypt(user_password=user_password, owner_password=owner_password,
                   algorithm="AES-256")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("foto.jpg", image_bytes())
    return buffer.getvalue()


def exe_bytes() -> bytes:
    # A PE header as Windows programs start ("MZ" ... "PE\0\0"): what a renamed .exe carries.
    header = bytearray(512)
    header[0:2] = b"MZ"
    header[0x3C:0x40] = (0x80).to_bytes(4, "little")
    header[0x80:0x84] = b"PE\x00\x00"
    return bytes(header) + b"\x90" * 4096
