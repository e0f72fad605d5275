"""`make demo`'s contact sheet (tools/demo.py): a page of cards a newcomer reads at a glance."""

from __future__ import annotations

import io
import json
import re
import sys
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))

import demo

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "images"


class FakeS3:
    def get_object(self, Bucket: str, Key: str) -> dict:
        return {"ContentType": "image/jpeg", "Body": io.BytesIO(b"\xff\xd8\xff thumbnail")}


ITEMS = {
    "demo/run/has-lens-info.jpg": {
        "processingStatus": "SUCCEEDED",
        "imageFormat": "JPEG",
        "dimensions": {"width": Decimal(102), "height": Decimal(205)},
        "fileSize": Decimal(22493),
        "exifMake": "Apple",
        "exifModel": "iPhone 4S",
        "creationTime": "2013-08-18T15:43:58",
        "geo": {"latitude": Decimal("59.332547"), "longitude": Decimal("18.064942")},
        "tags": [{"name": "Tree", "confidence": Decimal("97.5")}],
        "thumbnail": {"s3Bucket": "b", "s3Key": "Thumbnails/demo/run/has-lens-info.jpg"},
    },
    "demo/run/<script>notes.jpg": {
        "processingStatus": "FAILED",
        "error": "ImageIdentifyError",
        "cause": json.dumps(
            {"errorMessage": "cannot identify image file", "errorType": "ImageIdentifyError"}
        ),
    },
}


def test_contact_sheet_is_cards_with_the_facts_not_json(tmp_path: Path) -> None:
    out = tmp_path / "sheet.html"
    demo.contact_sheet(FakeS3(), ITEMS, out, "Demo run x")
    page = out.read_text(encoding="utf-8")
    assert page.count("<article") == 2
    assert "<pre>" not in page and '"processingStatus"' not in page
    assert 'src="data:image/jpeg;base64,' in page
    facts = ("Tree 98%", "Apple iPhone 4S", "2013-08-18 15:43:58", "22.5 KB", "102 &times; 205")
    for fact in facts:
        assert fact in page, fact
    assert re.search(r'href="https://www\.openstreetmap\.org/\?mlat=59\.332547', page)
    assert "59.3325° N, 18.0649° E" in page
    # A failure shows its name and its message, not the Lambda error JSON.
    assert "<b>ImageIdentifyError</b>: cannot identify image file" in page
    assert "errorType" not in page
    # Names are escaped.
    assert "<script>" not in page and "&lt;script&gt;notes.jpg" in page
    assert "1 processed, 1 failed" in page


def test_the_demo_uploads_real_photos_not_blue_squares() -> None:
    assert "r_canon.jpg" not in demo.SAMPLES and "r_sony.jpg" not in demo.SAMPLES
    for name in demo.SAMPLES:
        assert (FIXTURES / name).stat().st_size > 4000, name
        assert f"`{name}`" in (FIXTURES / "README.md").read_text(), f"{name}: no licence recorded"
    assert "make webapp" in demo.WEBAPP_HINT and "127.0.0.1:5173" in demo.WEBAPP_HINT
