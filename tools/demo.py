"""Upload sample photos to a deployed environment, wait for each, and show what came out.

Reads the environment's ``terraform output``, uploads each photo under ``Incoming/``, polls its
ImageMetadata item until it is SUCCEEDED or FAILED, prints one row per photo and writes an HTML
contact sheet of the thumbnails with their metadata.
"""

from __future__ import annotations

import argparse
import base64
import html
import json
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
from tf_cli_config import terraform_env

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "images"
# Real camera files (see tests/fixtures/images/README.md), plus one file that is not a photo.
SAMPLES = ["r_canon.jpg", "r_sony.jpg", "has-lens-info.jpg", "sugarshack.mpo", "1_trns.png"]
TERMINAL = {"SUCCEEDED", "FAILED"}


def terraform_outputs(env_dir: Path) -> dict[str, Any]:
    raw = subprocess.run(
        ["terraform", f"-chdir={env_dir}", "output", "-json"],
        check=True,
        capture_output=True,
        text=True,
        env=terraform_env(),
    ).stdout
    return {name: value["value"] for name, value in json.loads(raw).items()}


def aws_clients(outputs: dict[str, Any]) -> tuple[Any, Any]:
    session = boto3.session.Session(region_name=outputs["region"])
    endpoint = outputs.get("aws_endpoint_url") or None
    extra: dict[str, Any] = {"endpoint_url": endpoint} if endpoint else {}
    if endpoint:
        extra |= {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
    return session.client("s3", **extra), session.resource("dynamodb", **extra)


def upload(s3: Any, bucket: str, path: Path, album: str, run: str) -> str:
    key = f"Incoming/demo/{run}/{path.name}"
    s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=path.read_bytes(),
        Metadata={"userid": "demo", "albumid": album},
    )
    return key.removeprefix("Incoming/")


def wait_terminal(table: Any, image_ids: list[str], timeout_s: float) -> dict[str, dict]:
    items: dict[str, dict] = {}
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for image_id in image_ids:
            if items.get(image_id, {}).get("processingStatus") in TERMINAL:
                continue
            item = table.get_item(Key={"imageID": image_id}, ConsistentRead=True).get("Item")
            if item:
                items[image_id] = item
        if all(items.get(i, {}).get("processingStatus") in TERMINAL for i in image_ids):
            break
        time.sleep(0.5)
    return items


def row(image_id: str, item: dict) -> list[str]:
    status = item.get("processingStatus", "MISSING")
    dims = item.get("dimensions") or {}
    tags = ", ".join(f"{t['name']} {float(t['confidence']):.0f}%" for t in item.get("tags", []))
    detail = (item.get("thumbnail") or {}).get("s3Key", "")
    if status == "FAILED":
        detail = f"{item.get('error')}: {item.get('cause')}"
    size = f"{dims['width']}x{dims['height']}" if dims else ""
    return [image_id.rsplit("/", 1)[-1], status, item.get("imageFormat", ""), size, tags, detail]


def print_table(rows: list[list[str]]) -> None:
    header = ["photo", "status", "format", "dimensions", "labels", "thumbnail / error"]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def contact_sheet(s3: Any, items: dict[str, dict], out: Path) -> None:
    cards = []
    for image_id, item in items.items():
        thumb = item.get("thumbnail")
        img = ""
        if thumb:
            data = s3.get_object(Bucket=thumb["s3Bucket"], Key=thumb["s3Key"])
            mime = data["ContentType"]
            encoded = base64.b64encode(data["Body"].read()).decode()
            img = f'<img src="data:{mime};base64,{encoded}" alt="">'
        facts = {k: v for k, v in item.items() if k not in {"thumbnail", "executionArn", "s3key"}}
        cards.append(
            f"<figure>{img}<figcaption><b>{html.escape(image_id)}</b>"
            f"<pre>{html.escape(json.dumps(facts, indent=1, default=_number))}</pre>"
            "</figcaption></figure>"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        "<!doctype html><meta charset=utf-8><title>Contact sheet</title><style>"
        "body{font-family:sans-serif;display:flex;flex-wrap:wrap;gap:1em}"
        "figure{width:280px;margin:0}pre{font-size:11px;white-space:pre-wrap}</style>"
        + "".join(cards)
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--env-dir", type=Path, default=ROOT / "environments" / "local")
    parser.add_argument("--timeout", type=float, default=300, help="seconds to wait in all")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "demo" / "contact-sheet.html")
    parser.add_argument("photos", nargs="*", type=Path)
    args = parser.parse_args()

    outputs = terraform_outputs(args.env_dir)
    s3, dynamodb = aws_clients(outputs)
    table = dynamodb.Table(outputs["image_metadata_table_name"])
    run = uuid.uuid4().hex[:8]
    scratch = ROOT / "build" / "demo" / run
    scratch.mkdir(parents=True, exist_ok=True)
    not_a_photo = scratch / "notes.jpg"
    not_a_photo.write_text("a text file with a photo's name\n")
    photos = args.photos or [*(FIXTURES / name for name in SAMPLES), not_a_photo]

    image_ids = [upload(s3, outputs["bucket_name"], p, "demo/Samples", run) for p in photos]
    print(f"uploaded {len(image_ids)} files under Incoming/demo/{run}/; waiting for each...")
    items = wait_terminal(table, image_ids, args.timeout)
    print_table([row(i, items.get(i, {})) for i in image_ids])
    contact_sheet(s3, {i: items[i] for i in image_ids if i in items}, args.out)
    print(f"contact sheet: {args.out}")
    unfinished = [i for i in image_ids if items.get(i, {}).get("processingStatus") not in TERMINAL]
    if unfinished:
        print(f"error: not terminal after {args.timeout:.0f}s: {unfinished}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
