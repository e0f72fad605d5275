"""Where image bytes come from: an S3 object (ranged GETs) or a local file (the CLI)."""

from __future__ import annotations

import hashlib
import os
import re
from typing import Any, Protocol

from image_pipeline.clients import client, error_code
from image_pipeline.errors import ImageIdentifyError, ImageTooLarge
from image_pipeline.models import S3Location

PREFIX_BYTES = 64 * 1024  # every test photo's EXIF sat in the first 64 KiB; 32 KiB was not enough

_CONTENT_RANGE = re.compile(r"bytes\s+\d+-\d+/(\d+)")


class ByteSource(Protocol):
    name: str

    def read_prefix(self, length: int) -> tuple[bytes, int]:
        """The first ``length`` bytes (fewer if the object is shorter) and the total size."""
        ...

    def read_rest(self, prefix: bytes) -> bytes:
        """The whole content, given its first bytes: only what follows them is fetched."""
        ...


class FileSource:
    def __init__(self, path: str) -> None:
        self.name = path
        self.bytes_fetched = 0

    def read_prefix(self, length: int) -> tuple[bytes, int]:
        try:
            with open(self.name, "rb") as fh:
                size = os.fstat(fh.fileno()).st_size
                data = fh.read(length)
        except IsADirectoryError as exc:
            raise ImageIdentifyError(f"{self.name} is a directory") from exc
        self.bytes_fetched += len(data)
        return data, size

    def read_rest(self, prefix: bytes) -> bytes:
        with open(self.name, "rb") as fh:
            fh.seek(len(prefix))
            rest = fh.read()
        self.bytes_fetched += len(rest)
        return prefix + rest


def object_params(bucket: str, key: str, version_id: str | None) -> dict[str, str]:
    """GetObject/HeadObject parameters for one object, pinned to ``version_id`` when given."""
    params = {"Bucket": bucket, "Key": key}
    if version_id:
        params["VersionId"] = version_id
    return params


def check_size(size: int, max_bytes: int | None) -> None:
    """ImageTooLarge when ``size`` exceeds ``max_bytes`` (None: no limit)."""
    if max_bytes is not None and size > max_bytes:
        raise ImageTooLarge(f"The object is {size} bytes, over the limit of {max_bytes} bytes")


def _refuse_unread(response: dict[str, Any], size: int, max_bytes: int | None) -> None:
    """Check the size a response announced before its body is read; an oversized body is
    closed unread."""
    try:
        check_size(size, max_bytes)
    except ImageTooLarge:
        response["Body"].close()
        raise


class S3Source:
    """An S3 object, pinned to ``version_id`` when given; an object over ``max_bytes`` is
    refused (ImageTooLarge) from the size its first ranged GET announces, before any of its
    content is read."""

    def __init__(
        self,
        bucket: str,
        key: str,
        version_id: str | None = None,
        max_bytes: int | None = None,
    ) -> None:
        self.bucket = bucket
        self.key = key
        self.version_id = version_id
        self.max_bytes = max_bytes
        self.name = f"s3://{bucket}/{key}"
        self.bytes_fetched = 0

    def _get(self, byte_range: str) -> dict[str, Any]:
        return client("s3").get_object(
            **object_params(self.bucket, self.key, self.version_id), Range=byte_range
        )

    def read_prefix(self, length: int) -> tuple[bytes, int]:
        try:
            response = self._get(f"bytes=0-{length - 1}")
        except Exception as exc:
            if error_code(exc) == "InvalidRange":  # a range of an empty object
                return b"", 0
            raise
        match = _CONTENT_RANGE.match(response.get("ContentRange") or "")
        # Without a Content-Range the whole object came back: its length is its size.
        total = int(match.group(1)) if match else int(response.get("ContentLength", 0))
        _refuse_unread(response, total, self.max_bytes)
        data = response["Body"].read()
        self.bytes_fetched += len(data)
        return data, total or len(data)

    def read_rest(self, prefix: bytes) -> bytes:
        response = self._get(f"bytes={len(prefix)}-")
        rest = response["Body"].read()
        self.bytes_fetched += len(rest)
        return prefix + rest


def read_object(location: S3Location, max_bytes: int | None) -> bytes:
    """The whole object (the pinned version when ``location.version_id`` is set); an object
    over ``max_bytes`` is refused (ImageTooLarge) from its Content-Length, its body unread."""
    response = client("s3").get_object(
        **object_params(location.bucket, location.key, location.version_id)
    )
    _refuse_unread(response, int(response.get("ContentLength", 0)), max_bytes)
    return response["Body"].read()


def read_object_hashed(
    location: S3Location, max_bytes: int | None, chunk_bytes: int = 1024 * 1024
) -> tuple[bytes, str]:
    """``read_object``, and the content hash (``hashing.content_hash``: ``sha256:<hex>``) of
    the bytes computed as they stream in, chunk by chunk (no second pass over them)."""
    response = client("s3").get_object(
        **object_params(location.bucket, location.key, location.version_id)
    )
    _refuse_unread(response, int(response.get("ContentLength", 0)), max_bytes)
    digest = hashlib.sha256()
    parts = []
    for chunk in response["Body"].iter_chunks(chunk_bytes):
        digest.update(chunk)
        parts.append(chunk)
    return b"".join(parts), "sha256:" + digest.hexdigest()
