"""The attachment settings: defaults, the environment, and a store that cannot work."""
from __future__ import annotations

import pytest

from bot.platform.config import Settings, SettingsError


def test_defaults_are_a_local_store_with_whatsapp_s_16_mb_cap():
    settings = Settings(database_url="sqlite://")
    assert (settings.attachments_store, settings.attachments_max_bytes,
            settings.attachments_min_pixels, settings.attachments_retention_days) == (
        "local", 16 * 1024 * 1024, 300, 90)
    assert settings.problems() == []


def test_an_s3_store_is_read_from_the_environment(monkeypatch):
    for name, value in {"ATTACHMENTS_STORE": "S3", "S3_ENDPOINT_URL": "http://127.0.0.1:9000/",
                        "S3_BUCKET": "anexos", "S3_ACCESS_KEY_ID": "key",
                        "S3_SECRET_ACCESS_KEY": "secret", "S3_REGION": "sa-east-1",
                        "ATTACHMENTS_MAX_BYTES": "1048576", "ATTACHMENTS_RETENTION_DAYS": "30",
                        "ATTACHMENTS_MIN_PIXELS": "600"}.items():
        monkeypatch.setenv(name, value)
    settings = Settings.from_env(database_url="sqlite://")
    assert (settings.attachments_store, settings.s3_endpoint_url, settings.s3_bucket,
            settings.s3_region, settings.attachments_max_bytes,
            settings.attachments_retention_days, settings.attachments_min_pixels) == (
        "s3", "http://127.0.0.1:9000", "anexos", "sa-east-1", 1048576, 30, 600)


@pytest.mark.parametrize("overrides, message", [
    ({"attachments_store": "ftp"}, "ATTACHMENTS_STORE must be local or s3"),
    ({"attachments_store": "s3"}, "S3_BUCKET is required"),
    ({"attachments_store": "s3", "s3_bucket": "b", "s3_access_key_id": "k"},
     "go together"),
    ({"attachments_store": "s3", "s3_bucket": "b", "s3_endpoint_url": "minio:9000"},
     "S3_ENDPOINT_URL"),
    ({"attachments_max_bytes": 0}, "ATTACHMENTS_MAX_BYTES"),
    ({"attachments_retention_days": -1}, "ATTACHMENTS_RETENTION_DAYS"),
])
def test_a_store_configuration_that_cannot_work_is_refused_at_start(overrides, message):
    with pytest.raises(SettingsError, match=message):
        Settings(**overrides).validate()
