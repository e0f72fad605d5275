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
from PIL import Image

from tests.conftest import ROOT, LocalAws
from tests.e2e.conftest import terraform_in
from tests.e2e.runs import runs
from tests.webapp.browser import run_e2e, start_webapp

FIXTURES = ROOT / "tests" / "fixtures" / "images"
TERMINAL = {"SUCCEEDED", "FAILED"}
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
    }
    outputs = deployed["outputs"]
    labels = outputs["function_names"]["detect_labels"]
    renditions_before = local_aws.function_log(labels).count("END RequestId")
    _upload_all(local_aws, outputs["bucket_name"], files)
    items = _wait_terminal(local_aws, outputs["image_metadata_table_name"], list(files))
    items["renditions"] = local_aws.function_log(labels).count("END RequestId") - renditions_before
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
    assert processed["renditions"] == 1, "only the photo Rekognition refused needs a rendition"


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
        assert processed[name]["renditions"][0]["s3Key"] == thumb["s3Key"]
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
