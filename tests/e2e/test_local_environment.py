"""environments/local applied on the emulator, the whole pipeline run end to end, then destroyed.

The tests run in file order: apply (fixture), uploads and their outcomes, a second plan that
shows no changes, and a destroy that leaves nothing.
"""

from __future__ import annotations

import io
import tempfile
import time
from pathlib import Path
from typing import Any

import piexif
import pytest
from image_pipeline.hashing import content_hash
from image_pipeline.renditions import make_renditions
from PIL import Image

from tests.conftest import ROOT, LocalAws
from tests.e2e.conftest import terraform_in
from tests.e2e.runs import runs
from tests.webapp.browser import run_e2e, start_webapp

FIXTURES = ROOT / "tests" / "fixtures" / "images"
TERMINAL = {"SUCCEEDED", "FAILED"}
# Real files of each format the pipeline accepts besides JPEG and PNG, with what they are:
# format, displayed size, whether EXIF names a camera (tests/fixtures/images/README.md).
NEW_FORMATS = {
    "L_exif_xmp_iptc.heic": "HEIF",
    "exif.avif": "AVIF",
    "hopper_orientation_6.webp": "WEBP",
    "transparent.webp": "WEBP",
    "dispose_bgnd.gif": "GIF",
}
REQUIRED_OUTPUTS = {
    "aws_endpoint_url",
    "region",
    "bucket_name",
    "image_metadata_table_name",
    "album_metadata_table_name",
    "state_machine_arn",
}


def _camera_photo(width: int, height: int, orientation: int, lat: float, lon: float) -> bytes:
    """A JPEG with real noise, an orientation and GPS in the given hemisphere."""

    def dms(value: float) -> tuple:
        value = abs(value)
        degrees, minutes = int(value), int(value * 60) % 60
        seconds = round((value * 3600) % 60 * 100)
        return ((degrees, 1), (minutes, 1), (seconds, 100))

    exif = {
        "0th": {
            piexif.ImageIFD.Make: b"PipelineCam",
            piexif.ImageIFD.Model: b"Model 7",
            piexif.ImageIFD.Orientation: orientation,
        },
        "Exif": {piexif.ExifIFD.DateTimeOriginal: b"2024:05:17 08:30:00"},
        "GPS": {
            piexif.GPSIFD.GPSLatitudeRef: b"S" if lat < 0 else b"N",
            piexif.GPSIFD.GPSLatitude: dms(lat),
            piexif.GPSIFD.GPSLongitudeRef: b"W" if lon < 0 else b"E",
            piexif.GPSIFD.GPSLongitude: dms(lon),
        },
    }
    image = Image.effect_noise((width, height), 60).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=piexif.dump(exif))
    return out.getvalue()


def _over_rekognition_limit() -> bytes:
    """A 13 MP noisy JPEG of about 17 MB: more than the 15 MB Rekognition reads from S3."""
    image = Image.effect_noise((4200, 3200), 90).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=98)
    assert len(out.getvalue()) > 15 * 1024 * 1024
    return out.getvalue()


def _png_bytes(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(out, fmt)
    return out.getvalue()


def _items(processed: dict[str, Any]) -> dict[str, dict]:
    """The items of ``processed`` (without what it records besides them)."""
    return {n: i for n, i in processed.items() if isinstance(i, dict) and "imageID" in i}


def _half(path: Path) -> bytes:
    data = path.read_bytes()
    return data[: len(data) // 2]


def _upload_all(local_aws: LocalAws, bucket: str, files: dict[str, bytes]) -> None:
    s3 = local_aws.client("s3")
    for name, body in files.items():
        s3.put_object(
            Bucket=bucket,
            Key=f"Incoming/{name}",
            Body=body,
            # The owner comes from the key's first segment ("e2e"), never from metadata.
            Metadata={"albumid": "e2e/album"},
        )


def _wait_terminal(
    local_aws: LocalAws, table: str, image_ids: list[str], timeout_s: float = 300
) -> dict[str, dict]:
    dynamodb = local_aws.client("dynamodb")
    from boto3.dynamodb.types import TypeDeserializer

    deserialize = TypeDeserializer().deserialize
    items: dict[str, dict] = {}
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for image_id in image_ids:
            raw = dynamodb.get_item(
                TableName=table, Key={"imageID": {"S": image_id}}, ConsistentRead=True
            ).get("Item")
            if raw:
                items[image_id] = {k: deserialize(v) for k, v in raw.items()}
        if all(items.get(i, {}).get("processingStatus") in TERMINAL for i in image_ids):
            return items
        time.sleep(0.5)
    pending = {i: items.get(i, {}).get("processingStatus") for i in image_ids}
    pytest.fail(f"not terminal after {timeout_s}s: {pending}")


@pytest.fixture(scope="module")
def processed(local_aws: LocalAws, deployed) -> dict[str, Any]:
    """Real photos and bad files uploaded together; every item once it is terminal."""
    truncated = (FIXTURES / "r_sony.jpg").read_bytes()
    files = {
        "e2e/canon photo+1.jpg": (FIXTURES / "r_canon.jpg").read_bytes(),
        "e2e/iphone ü.jpg": (FIXTURES / "has-lens-info.jpg").read_bytes(),
        "e2e/3ds.mpo": (FIXTURES / "sugarshack.mpo").read_bytes(),
        "e2e/transparent.png": (FIXTURES / "1_trns.png").read_bytes(),
        "e2e/big-rotated.jpg": _camera_photo(1200, 800, 6, -33.8688, -151.2093),
        "e2e/bitmap.jpg": _png_bytes("BMP"),  # GIF, WebP, HEIF, AVIF are accepted now
        "e2e/notes.jpg": b"not a photo at all\n",
        "e2e/truncated.jpg": truncated[: len(truncated) // 2],
        "e2e/empty.png": b"",
        "e2e/over-15-mb.jpg": _over_rekognition_limit(),
        # The formats Rekognition cannot read: labels (and moderation) from a rendition.
        **{f"e2e/{name}": (FIXTURES / name).read_bytes() for name in NEW_FORMATS},
        # Duplicates: the same bytes, and the same picture as WebP; the same bytes of another
        # owner are not a duplicate.
        "e2e/flower.jpg": (FIXTURES / "flower.jpg").read_bytes(),
        "e2e/flower copy.jpg": (FIXTURES / "flower.jpg").read_bytes(),
        "e2e/flower.webp": (FIXTURES / "flower.webp").read_bytes(),
        "e2e-other/flower.jpg": (FIXTURES / "flower.jpg").read_bytes(),
    }
    outputs = deployed["outputs"]
    labels = outputs["function_names"]["detect_labels"]
    renditions_before = local_aws.function_log(labels).count("END RequestId")
    _upload_all(local_aws, outputs["bucket_name"], files)
    items = _wait_terminal(local_aws, outputs["image_metadata_table_name"], list(files))
    items["renditions"] = local_aws.function_log(labels).count("END RequestId") - renditions_before
    items["moderation"] = deployed["moderation"]
    items["uploaded"] = files
    items["bucket"] = outputs["bucket_name"]
    return items


def test_outputs_name_everything_a_user_needs(deployed):
    assert set(deployed["outputs"]) >= REQUIRED_OUTPUTS
    assert deployed["outputs"]["state_machine_arn"].startswith("arn:aws:states:us-east-1:")


def test_real_photos_succeed_with_their_metadata(processed):
    canon = processed["e2e/canon photo+1.jpg"]
    assert canon["processingStatus"] == "SUCCEEDED"
    assert (canon["imageFormat"], canon["exifMake"], canon["exifModel"]) == (
        "JPEG",
        "Canon",
        "Canon PowerShot G1 X Mark II",
    )
    assert canon["dimensions"] == {"width": 80, "height": 80}
    assert canon["userID"] == "e2e" and canon["albumID"] == "e2e/album"

    iphone = processed["e2e/iphone ü.jpg"]
    assert iphone["processingStatus"] == "SUCCEEDED"
    assert iphone["exifMake"] == "Apple"
    # Orientation 6: stored 205x102, displayed 102x205.
    assert iphone["dimensions"] == {"width": 102, "height": 205}
    assert float(iphone["geo"]["latitude"]) == pytest.approx(59.332547, abs=1e-4)
    assert float(iphone["geo"]["longitude"]) == pytest.approx(18.064942, abs=1e-4)

    assert processed["e2e/3ds.mpo"]["imageFormat"] == "JPEG"
    png = processed["e2e/transparent.png"]
    assert (png["processingStatus"], png["imageFormat"]) == ("SUCCEEDED", "PNG")
    assert "geo" not in png and "exifMake" not in png

    big = processed["e2e/big-rotated.jpg"]
    assert big["dimensions"] == {"width": 800, "height": 1200}
    assert float(big["geo"]["latitude"]) == pytest.approx(-33.8688, abs=1e-3)
    assert float(big["geo"]["longitude"]) == pytest.approx(-151.2093, abs=1e-3)
    assert big["creationTime"].startswith("2024-05-17T08:30:00")
    assert big["fileSize"] > 100_000


def test_labels_are_stored_as_tags_with_confidence(processed):
    for name in ("e2e/canon photo+1.jpg", "e2e/big-rotated.jpg"):
        tags = processed[name]["tags"]
        assert tags, name
        assert all(t["name"] and 60 <= float(t["confidence"]) <= 100 for t in tags)


def test_a_photo_rekognition_refuses_gets_its_labels_from_a_rendition(processed):
    """Over 15 MB Rekognition refuses the S3 object (ImageTooLargeException): the direct call's
    Catch sends the photo to the detect_labels function, once, which labels a rendition."""
    item = processed["e2e/over-15-mb.jpg"]
    assert item["processingStatus"] == "SUCCEEDED", item
    assert item["tags"] and all(60 <= float(t["confidence"]) <= 100 for t in item["tags"])
    # Besides it, only the formats Rekognition cannot read (and, with moderation, each twice).
    unreadable = [
        n for n, i in _items(processed).items() if i.get("imageFormat") not in (None, "JPEG", "PNG")
    ]
    assert len(unreadable) == len(NEW_FORMATS) + 1  # and flower.webp
    expected = (1 + len(unreadable)) * (2 if processed["moderation"] else 1)
    assert processed["renditions"] == expected


def test_thumbnails_exist_with_their_real_dimensions(local_aws, processed):
    s3 = local_aws.client("s3")
    expected = {
        "e2e/big-rotated.jpg": ((167, 250), "image/jpeg"),
        "e2e/canon photo+1.jpg": ((80, 80), "image/jpeg"),
        "e2e/transparent.png": ((64, 64), "image/png"),
    }
    for name, (size, content_type) in expected.items():
        thumb = processed[name]["thumbnail"]
        owner, rest = name.split("/", 1)
        assert thumb["s3Key"] == f"Thumbnails/{owner}/thumbnail/{rest}"
        renditions = {r["name"]: r["s3Key"] for r in processed[name]["renditions"]}
        assert renditions["thumbnail"] == thumb["s3Key"]
        obj = s3.get_object(Bucket=thumb["s3Bucket"], Key=thumb["s3Key"])
        assert obj["ContentType"] == content_type
        image = Image.open(io.BytesIO(obj["Body"].read()))
        assert image.size == size, name
        assert not image.getexif(), f"{name}: the thumbnail kept EXIF"


def test_unsupported_and_corrupt_files_end_failed_with_their_error(processed):
    expected = {
        "e2e/bitmap.jpg": "FileTypeNotSupported",
        "e2e/notes.jpg": "ImageIdentifyError",
        "e2e/truncated.jpg": "ImageDecodeError",
        "e2e/empty.png": "ImageIdentifyError",
    }
    for name, error in expected.items():
        item = processed[name]
        assert (item["processingStatus"], item["error"]) == ("FAILED", error), name
        assert item["cause"] and "Traceback" not in item["cause"]


def test_heic_avif_webp_and_gif_succeed_with_metadata_renditions_and_labels(local_aws, processed):
    """Every accepted format: its metadata, labels from a JPEG rendition, a thumbnail and a
    1,280 px-box preview (no larger than the photo), hashes and a placeholder."""
    s3 = local_aws.client("s3")
    for name, fmt in NEW_FORMATS.items():
        item = processed[f"e2e/{name}"]
        assert (item["processingStatus"], item["imageFormat"]) == ("SUCCEEDED", fmt), item
        assert item["tags"], name
        width, height = (int(item["dimensions"][k]) for k in ("width", "height"))
        renditions = {r["name"]: r for r in item["renditions"]}
        assert set(renditions) == {"thumbnail", "preview"}, name
        for rendition_name, box in (("thumbnail", 250), ("preview", 1280)):
            rendition = renditions[rendition_name]
            assert rendition["s3Key"] == f"Thumbnails/e2e/{rendition_name}/{name}"
            body = s3.get_object(Bucket=processed["bucket"], Key=rendition["s3Key"])["Body"].read()
            image = Image.open(io.BytesIO(body))
            assert image.size == (int(rendition["width"]), int(rendition["height"]))
            assert image.format == rendition["format"] and int(rendition["bytes"]) == len(body)
            # As displayed (orientation applied), within the box, never enlarged.
            scale = min(1.0, box / max(width, height))
            assert abs(image.width - width * scale) <= 1 and abs(image.height - height * scale) <= 1
        # The hashes the library computes of the same bytes (none for a flat picture).
        made = make_renditions(processed["uploaded"][f"e2e/{name}"])
        assert item["contentHash"] == content_hash([processed["uploaded"][f"e2e/{name}"]])
        assert item.get("perceptualHash") == made.perceptual_hash, name
        assert item["placeholder"]
    heic = processed["e2e/L_exif_xmp_iptc.heic"]
    assert (heic["exifMake"], heic["exifModel"]) == ("SONY", "ILCE-7SM3")
    webp = processed["e2e/hopper_orientation_6.webp"]
    transparent = {r["name"]: r["format"] for r in processed["e2e/transparent.webp"]["renditions"]}
    assert transparent == {"thumbnail": "PNG", "preview": "PNG"}  # it has transparency
    assert webp["thumbnail"]["s3Key"] == "Thumbnails/e2e/thumbnail/hopper_orientation_6.webp"


def test_bad_files_of_the_new_formats_end_failed_with_named_errors(local_aws, processed, deployed):
    """Uploaded apart from ``processed``, whose rendition calls are counted."""
    files = {
        "e2e/truncated.heic": _half(FIXTURES / "empty_icc.heic"),
        "e2e/corrupted.heic": (FIXTURES / "corrupted.heic").read_bytes(),
        "e2e/truncated.webp": _half(FIXTURES / "flower.webp"),
        "e2e/truncated.avif": _half(FIXTURES / "exif.avif"),
    }
    outputs = deployed["outputs"]
    _upload_all(local_aws, outputs["bucket_name"], files)
    items = _wait_terminal(local_aws, outputs["image_metadata_table_name"], list(files))
    for name, item in items.items():
        assert (item["processingStatus"], item["error"]) == ("FAILED", "ImageDecodeError"), item
        assert item["cause"] and "Traceback" not in item["cause"]
        assert "renditions" not in item and "moderationLabels" not in item, name


def test_copies_of_an_owners_photo_are_marked_duplicate_of_the_earliest(processed):
    """The same bytes, and the same picture as WebP: the two later uploads point at the
    earliest (whichever it was: they were uploaded together); another owner's copy and other
    photos are no duplicates."""
    copies = ["e2e/flower.jpg", "e2e/flower copy.jpg", "e2e/flower.webp"]
    originals = [name for name in copies if "duplicateOf" not in processed[name]]
    assert len(originals) == 1, {name: processed[name].get("duplicateOf") for name in copies}
    earliest = originals[0]
    for name in copies:
        if name != earliest:
            assert processed[name]["duplicateOf"] == earliest
            assert processed[name]["processingStatus"] == "SUCCEEDED"
    assert (processed[earliest]["uploadTime"], earliest) == min(
        (processed[name]["uploadTime"], name) for name in copies
    )
    assert (
        processed["e2e/flower.jpg"]["contentHash"]
        == processed["e2e/flower copy.jpg"]["contentHash"]
    )
    assert "duplicateOf" not in processed["e2e-other/flower.jpg"]
    for name in ("e2e/canon photo+1.jpg", "e2e/iphone ü.jpg", "e2e/L_exif_xmp_iptc.heic"):
        assert "duplicateOf" not in processed[name], name


def test_moderation_labels_only_with_the_branch(processed):
    """Off (STANDARD run): no item has moderation labels. On (EXPRESS run): a JPEG or PNG is
    read by Rekognition from S3, so its labels are the emulator's answer about its bytes;
    every flagged photo carries them, with confidence at or above 50."""
    from local_aws.patches import stand_in_moderation_labels

    items = _items(processed)
    succeeded = {n: i for n, i in items.items() if i["processingStatus"] == "SUCCEEDED"}
    if not processed["moderation"]:
        assert not [n for n, i in items.items() if "moderationLabels" in i]
        return
    for name, item in succeeded.items():
        if item["imageFormat"] in ("JPEG", "PNG") and name != "e2e/over-15-mb.jpg":
            data = processed["uploaded"][name]
            expected = [x for x in stand_in_moderation_labels(data) if x["Confidence"] >= 50]
            got = [(x["name"], float(x["confidence"])) for x in item.get("moderationLabels", [])]
            assert got == [(x["Name"], x["Confidence"]) for x in expected], name
        for label in item.get("moderationLabels", []):
            assert label["name"] and float(label["confidence"]) >= 50
    assert any("moderationLabels" in i for i in succeeded.values())
    assert any("moderationLabels" not in i for i in succeeded.values())
    assert not [
        n for n, i in items.items() if i["processingStatus"] == "FAILED" and "moderationLabels" in i
    ]


def test_uploading_the_same_object_twice_gives_one_item_and_one_execution(local_aws, deployed):
    outputs = deployed["outputs"]
    trigger = outputs["function_names"]["start_execution"]
    body = (FIXTURES / "r_sony.jpg").read_bytes()
    _upload_all(local_aws, outputs["bucket_name"], {"e2e/twice.jpg": body})
    table = outputs["image_metadata_table_name"]
    first = _wait_terminal(local_aws, table, ["e2e/twice.jpg"])["e2e/twice.jpg"]
    handled = local_aws.function_log(trigger).count("END RequestId")
    _upload_all(local_aws, outputs["bucket_name"], {"e2e/twice.jpg": body})
    deadline = time.monotonic() + 60
    while local_aws.function_log(trigger).count("END RequestId") == handled:
        assert time.monotonic() < deadline, "the second upload never reached the trigger"
        time.sleep(0.2)
    second = _wait_terminal(local_aws, table, ["e2e/twice.jpg"])["e2e/twice.jpg"]
    assert second["processingStatus"] == "SUCCEEDED"
    assert second["executionArn"] == first["executionArn"]
    inputs = [run.input or {} for run in runs(local_aws, deployed, with_input=True)]
    # Other tests start executions of their own (some on purpose without an s3Key).
    assert [i.get("s3Key") for i in inputs].count("Incoming/e2e/twice.jpg") == 1
    items = local_aws.client("dynamodb").scan(TableName=table)["Items"]
    assert [i["imageID"]["S"] for i in items].count("e2e/twice.jpg") == 1


def test_web_app_isolates_two_signed_up_users_in_chromium(deployed):
    """Two people sign up in the web app (non-ASCII display names; environments/local confirms
    them at once), each creates an album with a non-ASCII name and uploads photos and sees every
    card end; after a reload each has their session, album and photos back and none of the
    other's, and signing in again gives the same identity. The first also uploads ten files at
    once (two refused before upload, two the pipeline fails), opens the photo view, retries a
    failed processing and a failed upload, deletes a photo and an album, sees a second tab follow
    the first, and the gallery at 390 px has no horizontal overflow."""
    config = deployed["outputs"]["webapp_config"]
    assert "describeExecutionFunction" not in config, "the browser invokes only the retry"
    assert {"userPoolId", "userPoolClientId", "identityPoolId", "allowGuests"} <= set(config)
    reprocess = config.get("reprocessFunction")
    assert reprocess is None or reprocess.startswith("arn:aws:lambda:"), reprocess
    artifacts = ROOT / "artifacts" / "webapp"
    with (
        tempfile.TemporaryDirectory() as scratch,
        start_webapp(config, Path(scratch)) as url,
    ):
        run_e2e(url, artifacts)
    for shot in ("gallery.png", "photo-view.png", "gallery-phone.png"):
        assert (artifacts / shot).is_file(), f"no screenshot {shot} was saved"


@pytest.mark.stack_teardown
def test_second_plan_shows_no_changes_then_destroy_leaves_nothing(local_aws, stack, tf_env):
    """After the last workflow type's run: the stack as that apply left it, then nothing."""
    assert stack["applied"], "no end-to-end test applied the stack"
    workdir, tf_vars = stack["workdir"], stack["vars"]
    plan = terraform_in(tf_env, workdir, "plan", "-input=false", "-detailed-exitcode", *tf_vars)
    assert plan.returncode == 0, plan.stdout[-3000:] + plan.stderr
    destroy = terraform_in(tf_env, workdir, "destroy", "-input=false", "-auto-approve", *tf_vars)
    assert destroy.returncode == 0, destroy.stdout[-3000:] + destroy.stderr
    assert local_aws.client("s3").list_buckets()["Buckets"] == []
    assert local_aws.client("dynamodb").list_tables()["TableNames"] == []
    assert local_aws.client("lambda").list_functions()["Functions"] == []
    assert local_aws.client("stepfunctions").list_state_machines()["stateMachines"] == []
    assert local_aws.client("sqs").list_queues().get("QueueUrls", []) == []
    assert (
        local_aws.client("cognito-identity").list_identity_pools(MaxResults=10)["IdentityPools"]
        == []
    )
    assert local_aws.client("cognito-idp").list_user_pools(MaxResults=10)["UserPools"] == []
    roles = local_aws.client("iam").list_roles()["Roles"]
    assert [r["RoleName"] for r in roles if r["RoleName"].startswith("image-pipeline-local")] == []
    groups = local_aws.client("logs").describe_log_groups()["logGroups"]
    assert [g["logGroupName"] for g in groups if "image-pipeline-local" in g["logGroupName"]] == []
