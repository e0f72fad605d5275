"""Metadata: bytes that ``extract_metadata`` over ``S3Source`` reads from S3 (moto in-process)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench_images import Case
from image_pipeline import clients
from image_pipeline.config import DEFAULT_MAX_IMAGE_PIXELS
from image_pipeline.imaging import extract_metadata
from image_pipeline.sources import PREFIX_BYTES, S3Source


@dataclass
class MetadataResult:
    case: Case
    size: int
    header: int  # where the header ends
    read: int
    gets: int
    facts: dict[str, Any]

    @property
    def fits(self) -> bool:
        """The header is within the prefix a single GET fetches."""
        return self.header <= PREFIX_BYTES


def header_end(path: Path) -> int:
    """Where the header ends: JPEG start-of-scan, PNG first IDAT (what a reader must see)."""
    data = path.read_bytes()[: 4 * 1024 * 1024]
    if data.startswith(b"\x89PNG"):
        return data.find(b"IDAT") - 4
    pos = 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker == 0xDA:
            return pos
        pos += 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
    return len(data)


@dataclass
class Counted:
    bytes: int = 0
    gets: int = 0


class CountingBody:
    """A GetObject response body that adds the bytes read from it to ``counted``."""

    def __init__(self, body: Any, counted: Counted) -> None:
        self._body, self._counted = body, counted

    def read(self, *args: Any, **kwargs: Any) -> bytes:
        data = self._body.read(*args, **kwargs)
        self._counted.bytes += len(data)
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._body, name)


def count_get_objects(s3: Any) -> Counted:
    """Count the client's GetObject calls and the body bytes they return, from a botocore hook."""
    counted = Counted()

    def on_get_object(parsed: dict[str, Any], **_: object) -> None:
        counted.gets += 1
        if "Body" in parsed:
            parsed["Body"] = CountingBody(parsed["Body"], counted)

    s3.meta.events.register("after-call.s3.GetObject", on_get_object)
    return counted


def _fake_credentials() -> None:
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_PROFILE"):
        os.environ.pop(name, None)
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
    )


def bench_metadata(cases: list[Case]) -> list[MetadataResult]:
    _fake_credentials()
    from moto import mock_aws  # after the credentials are faked

    results = []
    with mock_aws():
        clients.reset()
        s3 = clients.client("s3")
        s3.create_bucket(Bucket="bench")
        counted = count_get_objects(s3)
        for case in cases:
            key = f"Incoming/{case.path.name}"
            s3.put_object(Bucket="bench", Key=key, Body=case.path.read_bytes())
            counted.bytes = counted.gets = 0
            facts = extract_metadata(S3Source("bench", key), DEFAULT_MAX_IMAGE_PIXELS)
            size, header = case.path.stat().st_size, header_end(case.path)
            results.append(MetadataResult(case, size, header, counted.bytes, counted.gets, facts))
        clients.reset()
    return results
