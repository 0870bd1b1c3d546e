"""Sending files through the signed webhook with Twilio's media endpoints mocked: the
media URL answers with a redirect to a CDN URL, which serves the bytes."""
from __future__ import annotations

import dataclasses
import itertools

import pytest
import responses

from tests.conftest import ACCOUNT_SID, drain

CDN = "https://mms.twiliocdn.com"
_sids = itertools.count(1)


def media_url(message_sid: str, media_sid: str) -> str:
    return (f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}"
            f"/Messages/{message_sid}/Media/{media_sid}")


def new_message_sid() -> str:
    return f"MM{next(_sids):032x}"


def serve(mock, message_sid: str, index: int, body: bytes, *, not_found_first: int = 0,
          content_type: str = "image/jpeg") -> str:
    """Register one media item; `not_found_first` 404s before it is served."""
    media_sid = f"ME{int(message_sid[2:], 16) * 100 + index:032x}"
    url = media_url(message_sid, media_sid)
    cdn = f"{CDN}/{ACCOUNT_SID}/{media_sid}?Expires=1&Signature=s"
    for _ in range(not_found_first):
        mock.add(responses.GET, url, status=404)
    mock.add(responses.GET, url, status=307, headers={"Location": cdn})
    mock.add(responses.GET, cdn, body=body, status=200, content_type=content_type)
    return url


def media_params(urls: list[tuple[str, str]]) -> dict:
    params = {"NumMedia": str(len(urls))}
    for i, (url, kind) in enumerate(urls):
        params[f"MediaUrl{i}"] = url
        params[f"MediaContentType{i}"] = kind
    return params


def send_files(wa, phone: str, files: list[bytes], text: str = "", *, kinds=None,
               not_found_first: int = 0, sid: str | None = None, run: bool = True) -> list[str]:
    sid = sid or new_message_sid()
    kinds = kinds or ["image/jpeg"] * len(files)
    urls = [(serve(wa.twilio.mock, sid, i, body, not_found_first=not_found_first,
                   content_type=kind), kind) for i, (body, kind) in enumerate(zip(files, kinds))]
    before = len(wa.twilio.bodies_to(phone))
    response = wa.post(phone, text, sid=sid, extra=media_params(urls))
    assert response.status_code == 200, response.data
    if run:
        drain(wa.rt)
    return wa.twilio.bodies_to(phone)[before:]


def media_calls(mock) -> list:
    return [c for c in mock.calls if "/Media/" in c.request.url or c.request.url.startswith(CDN)]


@pytest.fixture
def files_dir(tmp_path, rt):
    """The app's attachment store in a temporary directory."""
    directory = tmp_path / "attachments"
    rt.settings = dataclasses.replace(rt.settings, attachments_dir=str(directory))
    return directory
