"""Upload sample photos to a deployed environment, wait for each, and show what came out.

Reads the environment's ``terraform output``, uploads each photo under ``Incoming/``, polls its
ImageMetadata item until it is SUCCEEDED or FAILED, prints one row per photo and writes an HTML
contact sheet: one card per photo (thumbnail, labels, camera, date, place, size, status or the
failure reason). It ends with how to open the web app on the same stack.
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
from pathlib import Path
from typing import Any

import boto3
from tf_cli_config import terraform_env

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "images"
# Real photos from package sources (tests/fixtures/images/README.md has each one's origin and
# licence): EXIF cameras and dates, GPS (has-lens-info.jpg), EXIF orientation 6 (the iPhone's and
# hopper_orientation_6.jpg), a 3DS multi-picture file; plus one file that is not a photo.
SAMPLES = [
    "flower.jpg",
    "iptc.jpg",
    "has-lens-info.jpg",
    "hopper_orientation_6.jpg",
    "flower2.jpg",
    "sugarshack.mpo",
]
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


CSS = """
body{font-family:system-ui,sans-serif;margin:1.5rem;background:#f4f6f9;color:#1d2430}
h1{font-size:1.3rem;margin:0 0 .2rem}p.sub{color:#667085;margin:0 0 1rem}
main{display:grid;grid-template-columns:repeat(auto-fill,minmax(240px,1fr));gap:1rem}
article{background:#fff;border:1px solid #dde2ea;border-radius:10px;overflow:hidden}
article.failed{border-color:#f3b4b4}
.media{height:180px;background:#eef1f5;display:flex;align-items:center;justify-content:center}
.media img{max-width:100%;max-height:100%}.media span{font-size:2.5rem;color:#b42318}
.body{padding:.6rem .8rem .8rem}h2{font-size:.95rem;margin:0 0 .3rem;overflow-wrap:anywhere}
.status{font-weight:600;font-size:.85rem;margin:0 0 .4rem}.ok{color:#137333}.bad{color:#b42318}
.error{background:#fde8e8;color:#8a1c1c;border-radius:6px;padding:.4rem .6rem;font-size:.85rem}
ul{list-style:none;padding:0;margin:0 0 .4rem;display:flex;flex-wrap:wrap;gap:.25rem}
li{background:#eaf2fd;color:#1a5fb4;border-radius:999px;padding:.05rem .5rem;font-size:.75rem}
dl{display:grid;grid-template-columns:auto 1fr;gap:.1rem .6rem;margin:0;font-size:.8rem}
dt{color:#667085}dd{margin:0;overflow-wrap:anywhere}
"""


def _camera(item: dict) -> str:
    make, model = str(item.get("exifMake") or "").strip(), str(item.get("exifModel") or "").strip()
    if make and model.lower().startswith(make.lower()):
        return model
    return " ".join(p for p in (make, model) if p)


def _size(item: dict) -> str:
    """File size, dimensions and format, as HTML."""
    parts = []
    if item.get("fileSize") is not None:
        size = float(item["fileSize"])
        parts.append(f"{size / 1000:.1f} KB" if size < 1_000_000 else f"{size / 1e6:.2f} MB")
    dims = item.get("dimensions") or {}
    if dims:
        parts.append(f"{int(dims['width'])} &times; {int(dims['height'])}")
    if item.get("imageFormat"):
        parts.append(html.escape(str(item["imageFormat"])))
    return " · ".join(parts)


def _place(item: dict) -> str:
    geo = item.get("geo")
    if not geo:
        return ""
    lat, lon = float(geo["latitude"]), float(geo["longitude"])
    text = f"{abs(lat):.4f}° {'S' if lat < 0 else 'N'}, {abs(lon):.4f}° {'W' if lon < 0 else 'E'}"
    url = f"https://www.openstreetmap.org/?mlat={lat:.6f}&mlon={lon:.6f}#map=15/{lat:.6f}/{lon:.6f}"
    return f'<a href="{html.escape(url)}">{html.escape(text)}</a>'


def _cause(item: dict) -> str:
    cause = str(item.get("cause") or "")
    try:
        parsed = json.loads(cause)
        if isinstance(parsed, dict) and parsed.get("errorMessage"):
            cause = str(parsed["errorMessage"])
    except ValueError:
        pass
    return cause[:300]


def card(image_id: str, item: dict, thumbnail: tuple[str, bytes] | None) -> str:
    """One photo as a card; every value from the item is escaped."""
    name = html.escape(image_id.rsplit("/", 1)[-1])
    status = str(item.get("processingStatus", "MISSING"))
    failed = status != "SUCCEEDED"
    if thumbnail:
        mime, body = thumbnail
        media = f'<img src="data:{mime};base64,{base64.b64encode(body).decode()}" alt="{name}">'
    else:
        media = "<span>!</span>" if failed else "<span>…</span>"
    tags = "".join(
        f"<li>{html.escape(str(t['name']))} {float(t['confidence']):.0f}%</li>"
        for t in item.get("tags", [])
    )
    facts = [
        ("Camera", html.escape(_camera(item))),
        ("Taken", html.escape(str(item.get("creationTime") or "").replace("T", " "))),
        ("Place", _place(item)),
        ("Size", _size(item)),  # HTML: the values are escaped
    ]
    rows = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts if v)
    if status == "FAILED":
        reason = (
            f'<p class="error"><b>{html.escape(str(item.get("error")))}</b>: '
            f"{html.escape(_cause(item))}</p>"
        )
        state = '<p class="status bad">Failed</p>' + reason
    else:
        state = (
            f'<p class="status {"ok" if not failed else "bad"}">{html.escape(status.title())}</p>'
        )
    return (
        f'<article class="{"failed" if failed else "done"}"><div class="media">{media}</div>'
        f'<div class="body"><h2>{name}</h2>{state}<ul>{tags}</ul><dl>{rows}</dl></div></article>'
    )


def contact_sheet(s3: Any, items: dict[str, dict], out: Path, title: str = "Contact sheet") -> None:
    cards = []
    for image_id, item in items.items():
        thumb = item.get("thumbnail")
        thumbnail = None
        if thumb:
            data = s3.get_object(Bucket=thumb["s3Bucket"], Key=thumb["s3Key"])
            thumbnail = (data["ContentType"], data["Body"].read())
        cards.append(card(image_id, item, thumbnail))
    done = sum(1 for i in items.values() if i.get("processingStatus") == "SUCCEEDED")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        f"<!doctype html><html lang=en><meta charset=utf-8><title>{html.escape(title)}</title>"
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{CSS}</style>'
        f"<h1>{html.escape(title)}</h1><p class=sub>{len(items)} files: {done} processed, "
        f"{len(items) - done} failed</p><main>{''.join(cards)}</main></html>",
        encoding="utf-8",
    )


WEBAPP_HINT = """
The web app runs on this same stack:
  make webapp                  # writes webapp/public/config.json, serves the app
  open http://127.0.0.1:5173/  # sign up (the local pool confirms at once), create an album,
                               # drop photos: each card follows its photo through the pipeline
The demo's uploads belong to the operator folder "demo", not to a signed-in user, so the web app
shows only what you upload there yourself."""


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
    contact_sheet(s3, {i: items[i] for i in image_ids if i in items}, args.out, f"Demo run {run}")
    print(f"contact sheet: {args.out.resolve().as_uri()}")
    print(WEBAPP_HINT)
    unfinished = [i for i in image_ids if items.get(i, {}).get("processingStatus") not in TERMINAL]
    if unfinished:
        print(f"error: not terminal after {args.timeout:.0f}s: {unfinished}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
