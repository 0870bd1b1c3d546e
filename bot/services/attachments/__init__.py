"""Files people send (WhatsApp media today, e-mail attachments next): downloaded in the
worker with Twilio's credentials only where they belong, checked by their bytes, stored
content-addressed and privately, shown to attendants through signed and recorded links,
deleted after the case's retention period.

The worker calls `receive(...)`; the attendants' handler calls `open_for_attendant(...)`;
the sweeper calls `purge_expired(...)`.
"""
from .download import (
    DownloadError,
    MediaRefused,
    RetryableDownloadError,
    download_media,
    twilio_media_ref,
)
from .inspect import ACCEPTED_LABEL, Inspection, inspect_bytes, sniff
from .links import ViewRefused, open_for_attendant, record_view, verify_view_token, view_url
from .retention import PurgeReport, purge_expired
from .service import (
    DOWNLOAD_RETRY_INTERVALS,
    InboundMedia,
    Received,
    attach_to_case,
    download_retry,
    receive,
    record_stored,
    stored_item,
)
from .store import (
    AttachmentStore,
    LocalStore,
    MissingAttachment,
    S3Store,
    StoreUnavailable,
    store_from_settings,
)

__all__ = [
    "ACCEPTED_LABEL", "DOWNLOAD_RETRY_INTERVALS", "AttachmentStore", "DownloadError", "InboundMedia", "Inspection",
    "LocalStore", "MediaRefused", "MissingAttachment", "PurgeReport", "Received",
    "RetryableDownloadError", "S3Store", "StoreUnavailable", "ViewRefused", "attach_to_case",
    "download_media", "download_retry", "inspect_bytes", "open_for_attendant", "purge_expired", "receive", "record_stored", "stored_item",
    "record_view", "sniff", "store_from_settings", "twilio_media_ref", "verify_view_token", "view_url",
]
