"""Where image bytes come from: an S3 object (ranged GETs) or a local file (the CLI)."""

from __future__ import annotations

import os
import re
from typing import Protocol

from image_pipeline.clients import client, error_code
from image_pipeline.errors import ImageIdentifyError

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


class S3Source:
    def __init__(self, bucket: str, key: str) -> None:
        self.bucket = bucket
        self.key = key
        self.name = f"s3://{bucket}/{key}"
        self.bytes_fetched = 0

    def read_prefix(self, length: int) -> tuple[bytes, int]:
        try:
            response = client("s3").get_object(
                Bucket=self.bucket, Key=self.key, Range=f"bytes=0-{length - 1}"
            )
        except Exception as exc:
            if error_code(exc) == "InvalidRange":  # a range of an empty object
                return b"", 0
            raise
        data = response["Body"].read()
        self.bytes_fetched += len(data)
        match = _CONTENT_RANGE.match(response.get("ContentRange") or "")
        total = int(match.group(1)) if match else int(response.get("ContentLength", len(data)))
        return data, total

    def read_rest(self, prefix: bytes) -> bytes:
        response = client("s3").get_object(
            Bucket=self.bucket, Key=self.key, Range=f"bytes={len(prefix)}-"
        )
        rest = response["Body"].read()
        self.bytes_fetched += len(rest)
        return prefix + rest
