"""The content-addressed store: one copy per content, whole or nothing, private, and a
store that is down says so with a retryable error."""
from __future__ import annotations

import hashlib
import os
import socket
import threading

import pytest
import requests

from bot.platform.config import Settings
from bot.services.attachments.store import (
    LocalStore,
    MissingAttachment,
    S3Store,
    StoreUnavailable,
    store_from_settings,
)

DATA = b"%PDF-1.4 comprovante de residencia" * 100
KEY = hashlib.sha256(DATA).hexdigest()


# -- local directory ---------------------------------------------------------------------
def test_local_put_returns_the_sha256_and_the_bytes_come_back(tmp_path):
    store = LocalStore(tmp_path)
    assert store.put(DATA) == KEY
    assert store.get(KEY) == DATA
    assert store.exists(KEY)
    with store.open(KEY) as stream:
        assert stream.read() == DATA


def test_local_put_twice_writes_the_file_once(tmp_path, monkeypatch):
    store = LocalStore(tmp_path)
    store.put(DATA)
    first = os.stat(tmp_path / KEY[:2] / KEY)
    writes = []
    monkeypatch.setattr("tempfile.mkstemp", lambda *a, **k: writes.append(1))
    assert store.put(DATA) == KEY
    assert writes == []  # the second put saw the file and wrote nothing
    assert os.stat(tmp_path / KEY[:2] / KEY).st_ino == first.st_ino


def test_local_concurrent_puts_of_the_same_bytes_leave_one_whole_file(tmp_path):
    store = LocalStore(tmp_path)
    barrier = threading.Barrier(8)
    keys = []

    def put():
        barrier.wait()
        keys.append(store.put(DATA))

    threads = [threading.Thread(target=put) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(keys) == {KEY}
    assert sorted(p.name for p in (tmp_path / KEY[:2]).iterdir()) == [KEY]  # no temp left
    assert store.get(KEY) == DATA


def test_local_write_interrupted_leaves_neither_the_file_nor_a_temporary(tmp_path, monkeypatch):
    store = LocalStore(tmp_path)

    def disk_full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "link", disk_full)
    with pytest.raises(StoreUnavailable):
        store.put(DATA)
    assert not store.exists(KEY)
    assert list((tmp_path / KEY[:2]).iterdir()) == []


def test_local_store_that_cannot_be_written_is_unavailable(tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the store's directory should be")
    with pytest.raises(StoreUnavailable):
        LocalStore(blocker / "attachments").put(DATA)


def test_local_delete_is_idempotent(tmp_path):
    store = LocalStore(tmp_path)
    store.put(DATA)
    assert store.delete(KEY) is True
    assert store.delete(KEY) is False
    with pytest.raises(MissingAttachment):
        store.get(KEY)


@pytest.mark.parametrize("key", ["../../etc/passwd", KEY[:-1], KEY.upper(), KEY + "/x", ""])
def test_keys_that_are_not_a_sha256_never_reach_the_disk(tmp_path, key):
    with pytest.raises(ValueError):
        LocalStore(tmp_path).get(key)


def test_local_has_no_direct_url(tmp_path):
    assert LocalStore(tmp_path).presigned_url(KEY, expires_in=60, filename="a.pdf",
                                              content_type="application/pdf") is None


def test_the_default_store_is_a_directory_under_the_var_dir(tmp_path):
    store = store_from_settings(Settings(), var_dir=tmp_path)
    assert isinstance(store, LocalStore) and store.root == tmp_path / "attachments"


# -- S3-compatible, on a real moto server on loopback ------------------------------------
@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def s3_settings(endpoint: str, bucket: str) -> Settings:
    return Settings(attachments_store="s3", s3_endpoint_url=endpoint, s3_bucket=bucket,
                    s3_access_key_id="test-key", s3_secret_access_key="test-secret",
                    s3_region="us-east-1")


@pytest.fixture
def s3_store(s3_endpoint, request):
    bucket = "planbot-" + request.node.name.replace("_", "-")[:40].lower().strip("-")
    store = store_from_settings(s3_settings(s3_endpoint, bucket))
    store.client.create_bucket(Bucket=bucket)
    return store


def test_s3_put_get_exists_delete(s3_store):
    assert isinstance(s3_store, S3Store)
    assert s3_store.put(DATA) == KEY
    assert s3_store.exists(KEY)
    assert s3_store.get(KEY) == DATA
    with s3_store.open(KEY) as stream:
        assert stream.read() == DATA
    assert s3_store.delete(KEY) is True
    assert s3_store.delete(KEY) is False
    assert not s3_store.exists(KEY)
    with pytest.raises(MissingAttachment):
        s3_store.get(KEY)


def test_s3_put_twice_uploads_once(s3_store):
    uploads = []
    s3_store.client.meta.events.register("before-call.s3.PutObject",
                                         lambda **kwargs: uploads.append(1))
    s3_store.put(DATA)
    s3_store.put(DATA)
    assert uploads == [1]
    listed = s3_store.client.list_objects_v2(Bucket=s3_store.bucket)["Contents"]
    assert [item["Key"] for item in listed] == [f"attachments/{KEY}"]


def test_s3_objects_are_private(s3_store):
    s3_store.put(DATA)
    grants = s3_store.client.get_object_acl(Bucket=s3_store.bucket,
                                            Key=f"attachments/{KEY}")["Grants"]
    grantees = {grant["Grantee"].get("URI") for grant in grants}
    assert "http://acs.amazonaws.com/groups/global/AllUsers" not in grantees
    assert "http://acs.amazonaws.com/groups/global/AuthenticatedUsers" not in grantees


def test_s3_presigned_url_serves_the_file_inline_and_expiring(s3_store):
    s3_store.put(DATA)
    url = s3_store.presigned_url(KEY, expires_in=120, filename="anexo-1.pdf",
                                 content_type="application/pdf")
    assert "Expires=" in url or "X-Amz-Expires=120" in url
    answer = requests.get(url, timeout=10)
    assert answer.status_code == 200 and answer.content == DATA
    assert answer.headers["Content-Type"] == "application/pdf"


def test_s3_missing_bucket_is_unavailable_not_lost(s3_endpoint):
    store = store_from_settings(s3_settings(s3_endpoint, "no-such-bucket"))
    with pytest.raises(StoreUnavailable):
        store.put(DATA)


def test_s3_service_down_is_unavailable():
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    store = store_from_settings(s3_settings(f"http://127.0.0.1:{port}", "planbot"))
    with pytest.raises(StoreUnavailable):
        store.put(DATA)
    with pytest.raises(StoreUnavailable):
        store.exists(KEY)
