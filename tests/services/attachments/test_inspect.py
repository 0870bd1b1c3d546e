"""What a file is comes from its bytes; unusable documents are refused with the reason."""
from __future__ import annotations

import hashlib

import pytest

from bot.services.attachments.inspect import ACCEPTED_LABEL, inspect_bytes, sniff

from . import samples


@pytest.mark.parametrize("fmt, mime", [("JPEG", "image/jpeg"), ("PNG", "image/png"),
                                        ("WEBP", "image/webp")])
def test_document_photos_are_accepted_with_their_dimensions(fmt, mime):
    data = samples.image_bytes(fmt, size=(1000, 1400))
    result = inspect_bytes(data)
    assert result.accepted, result.reasons
    assert (result.mime, result.kind, result.width, result.height) == (mime, "image", 1000, 1400)
    assert result.size == len(data)
    assert result.sha256 == hashlib.sha256(data).hexdigest()


def test_an_iphone_heic_photo_is_accepted_and_measured():
    result = inspect_bytes(samples.heic_bytes(size=(800, 1000)))
    assert result.accepted, result.reasons
    assert (result.mime, result.width, result.height) == ("image/heic", 800, 1000)
    assert result.extension == "heic"


def test_a_pdf_is_accepted_with_its_page_count():
    result = inspect_bytes(samples.pdf_bytes(pages=3))
    assert result.accepted
    assert (result.mime, result.kind, result.pages) == ("application/pdf", "pdf", 3)


def test_a_password_protected_pdf_is_refused():
    result = inspect_bytes(samples.encrypted_pdf(user_password="segredo"))
    assert result.reasons == ("pdf_encrypted",)
    assert result.mime == "application/pdf"


def test_a_pdf_with_only_an_owner_password_opens_and_is_accepted():
    # Copy/print restrictions only: every viewer opens it without asking for a password.
    result = inspect_bytes(samples.encrypted_pdf(user_password="", owner_password="dono"))
    assert result.accepted, result.reasons
    assert result.pages == 2


def test_a_damaged_pdf_is_refused_as_unreadable():
    result = inspect_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 200)
    assert result.reasons == ("pdf_unreadable",)


@pytest.mark.parametrize("make", [samples.zip_bytes, samples.exe_bytes], ids=["zip", "exe"])
def test_an_archive_or_program_renamed_jpg_is_refused_by_its_bytes(make):
    result = inspect_bytes(make())
    assert result.reasons == ("unsupported_type",)
    assert result.kind is None
    assert "JPEG" in ACCEPTED_LABEL and "PDF" in ACCEPTED_LABEL


def test_an_image_format_outside_the_list_is_refused():
    result = inspect_bytes(samples.image_bytes("GIF"))
    assert (result.mime, result.reasons) == ("image/gif", ("unsupported_type",))


def test_a_text_file_is_refused():
    assert inspect_bytes("RG: 12.345.678-9".encode()).reasons == ("unsupported_type",)


def test_a_tiny_image_is_refused():
    result = inspect_bytes(samples.image_bytes("JPEG", size=(640, 200)))
    assert result.reasons == ("image_too_small",)
    assert (result.width, result.height) == (640, 200)


def test_the_minimum_resolution_is_configurable():
    data = samples.image_bytes("PNG", size=(400, 400))
    assert inspect_bytes(data, min_pixels=300).accepted
    assert inspect_bytes(data, min_pixels=500).reasons == ("image_too_small",)


@pytest.mark.parametrize("colour", [(250, 250, 250), (5, 5, 5)], ids=["white", "black"])
def test_a_blank_photo_is_refused(colour):
    assert inspect_bytes(samples.blank_jpeg(colour=colour)).reasons == ("image_blank",)


def test_a_truncated_jpeg_is_refused_as_unreadable():
    data = samples.image_bytes("JPEG")
    assert inspect_bytes(data[: len(data) // 2]).reasons == ("image_unreadable",)


def test_an_image_claiming_gigapixels_is_refused_without_decoding_it():
    import struct
    import zlib

    def chunk(kind, payload):
        return (struct.pack(">I", len(payload)) + kind + payload
                + struct.pack(">I", zlib.crc32(kind + payload)))

    header = struct.pack(">IIBBBBB", 60000, 60000, 8, 0, 0, 0, 0)  # 3.6 gigapixels
    bomb = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")
    assert inspect_bytes(bomb).reasons == ("image_unreadable",)


def test_an_empty_file_is_refused():
    assert inspect_bytes(b"").reasons == ("empty",)


def test_over_the_size_limit_is_refused():
    assert inspect_bytes(samples.pdf_bytes(), max_bytes=100).reasons == ("too_large",)


def test_the_webhooks_sniff_reads_type_and_size_only_leaving_the_full_check_to_the_worker():
    encrypted = samples.encrypted_pdf(user_password="segredo")
    assert sniff(encrypted).accepted and sniff(encrypted).kind == "pdf"  # refused later, in full
    assert not inspect_bytes(encrypted).accepted
    assert sniff(samples.exe_bytes()).reasons == ("unsupported_type",)
    assert sniff(samples.pdf_bytes(), max_bytes=10).reasons == ("too_large",)
    assert sniff(b"").reasons == ("empty",)
