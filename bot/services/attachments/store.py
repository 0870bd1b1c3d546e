"""Content-addressed attachment store: a file's key is its SHA-256, so the same bytes are
stored once however often they arrive, and a put is idempotent. Objects are private: people
and attendants reach them only through the app (signed, expiring, recorded links).

Two back ends behind one interface: a local directory (default, under the var dir) and any
S3-compatible service. A store that cannot be reached raises StoreUnavailable, which the
worker treats as retryable; a put either stores the whole file or nothing.
"""
from __future__ import annotations

import base64
import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import BinaryIO, Protocol

from bot.platform import config

_KEY = re.compile(r"[0-9a-f]{64}")


class StoreUnavailable(Exception):
    """The store could not be reached or written: try the turn again later."""


class MissingAttachment(KeyError):
    """No file under that key (never stored, or deleted by retention)."""


def key_for(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _checked(key: str) -> str:
    # Keys come from our own rows, but a path or object name is built from them: anything
    # but 64 hex digits (a '../', a slash) is refused before it touches the disk or bucket.
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise ValueError(f"not an attachment key: {key!r}")
    return key


class AttachmentStore(Protocol):
    def put(self, data: bytes) -> str:
        """Store the bytes (once) and return their key, the SHA-256 in hex."""

    def get(self, key: str) -> bytes: ...

    def open(self, key: str) -> BinaryIO:
        """A readable stream of the file, for serving it to an authenticated viewer."""

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> bool:
        """Remove the file; True when it was there. Deleting an absent key is not an error."""

    def presigned_url(self, key: str, *, expires_in: int, filename: str,
                      content_type: str) -> str | None:
        """A direct, expiring URL to the object, or None when the store has none (local)."""


class LocalStore:
    """Files under `root/ab/abcdef…`, written to a temporary file in the same directory and
    hard-linked into place: the name appears only with the whole content behind it, and
    never over an existing file (os.link refuses), so a file is never written twice."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        key = _checked(key)
        return self.root / key[:2] / key

    def put(self, data: bytes) -> str:
        key = key_for(data)
        path = self._path(key)
        try:
            if path.exists():
                return key
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                try:
                    os.link(temporary, path)
                except FileExistsError:
                    pass  # another worker stored the same bytes meanwhile: same content
            finally:
                os.unlink(temporary)
            _fsync_directory(path.parent)
        except OSError as exc:
            raise StoreUnavailable(f"local attachment store {self.root}: {exc}") from exc
        return key

    def get(self, key: str) -> bytes:
        with self.open(key) as handle:
            return handle.read()

    def open(self, key: str) -> BinaryIO:
        path = self._path(key)
        try:
            return path.open("rb")
        except FileNotFoundError as exc:
            raise MissingAttachment(key) from exc
        except OSError as exc:
            raise StoreUnavailable(f"local attachment store {self.root}: {exc}") from exc

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> bool:
        try:
            self._path(key).unlink()
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise StoreUnavailable(f"local attachment store {self.root}: {exc}") from exc
        return True

    def presigned_url(self, key: str, *, expires_in: int, filename: str,
                      content_type: str) -> str | None:
        return None


def _fsync_directory(directory: Path) -> None:
    # The new name must survive a power cut too, not only the file's bytes.
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class S3Store:
    """Objects `<prefix><sha256>` in a private bucket of any S3-compatible service."""

    def __init__(self, client, bucket: str, prefix: str = "attachments/"):
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    @classmethod
    def from_settings(cls, settings) -> "S3Store":
        import boto3
        from botocore.config import Config

        client = boto3.client(
            "s3",
            endpoint_url=settings.s3_endpoint_url or None,
            region_name=settings.s3_region or None,
            aws_access_key_id=settings.s3_access_key_id or None,
            aws_secret_access_key=settings.s3_secret_access_key or None,
            # A store that is down must fail the turn quickly (it is retried), not hang it.
            config=Config(connect_timeout=5, read_timeout=30,
                          retries={"max_attempts": 3, "mode": "standard"},
                          s3={"addressing_style": "path"}),
        )
        return cls(client, settings.s3_bucket)

    def _name(self, key: str) -> str:
        return self.prefix + _checked(key)

    def put(self, data: bytes) -> str:
        key = key_for(data)
        if self.exists(key):
            return key
        with _unavailable_on_failure(self.bucket):
            # An S3 PUT is atomic (the object appears whole or not at all), and the SHA-256
            # we send makes the service refuse bytes damaged on the way. Two workers putting
            # the same key at once write identical content: harmless.
            self.client.put_object(
                Bucket=self.bucket, Key=self._name(key), Body=data,
                ChecksumSHA256=base64.b64encode(bytes.fromhex(key)).decode(),
                ContentType="application/octet-stream",
            )
        return key

    def get(self, key: str) -> bytes:
        with self.open(key) as stream:
            return stream.read()

    def open(self, key: str) -> BinaryIO:
        with _unavailable_on_failure(self.bucket, missing=key):
            # botocore's StreamingBody: a file-like object read straight off the connection
            return self.client.get_object(Bucket=self.bucket, Key=self._name(key))["Body"]

    def exists(self, key: str) -> bool:
        try:
            with _unavailable_on_failure(self.bucket, missing=key):
                self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except MissingAttachment:
            return False
        return True

    def delete(self, key: str) -> bool:
        existed = self.exists(key)
        if existed:
            with _unavailable_on_failure(self.bucket):
                self.client.delete_object(Bucket=self.bucket, Key=self._name(key))
        return existed

    def presigned_url(self, key: str, *, expires_in: int, filename: str,
                      content_type: str) -> str | None:
        return self.client.generate_presigned_url(
            "get_object", ExpiresIn=expires_in,
            Params={"Bucket": self.bucket, "Key": self._name(key),
                    "ResponseContentType": content_type,
                    "ResponseContentDisposition": f'inline; filename="{filename}"',
                    "ResponseCacheControl": "private, no-store"},
        )


class _unavailable_on_failure:
    """Maps botocore's errors: a missing object → MissingAttachment; anything about reaching
    or using the service (connection, timeout, 5xx, throttling, bad credentials) →
    StoreUnavailable, so the turn is retried and nothing is reported as stored."""

    def __init__(self, bucket: str, missing: str | None = None):
        self.bucket = bucket
        self.missing = missing

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if exc is None:
            return False
        from botocore.exceptions import BotoCoreError, ClientError

        if isinstance(exc, ClientError):
            code = str(exc.response.get("Error", {}).get("Code", ""))
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if self.missing is not None and (code in ("404", "NoSuchKey", "NotFound")
                                             or status == 404):
                raise MissingAttachment(self.missing) from exc
            raise StoreUnavailable(f"S3 bucket {self.bucket}: {code or status}") from exc
        if isinstance(exc, BotoCoreError):
            raise StoreUnavailable(f"S3 bucket {self.bucket}: {exc}") from exc
        return False


def store_from_settings(settings, var_dir: str | os.PathLike | None = None) -> AttachmentStore:
    """The store the configuration names (ATTACHMENTS_STORE=local|s3)."""
    if settings.attachments_store == "s3":
        return S3Store.from_settings(settings)
    if settings.attachments_dir:
        return LocalStore(settings.attachments_dir)
    if var_dir is None:
        var_dir = config.VAR_DIR  # read now: tests and `serve` point it elsewhere
    return LocalStore(Path(var_dir) / "attachments")
