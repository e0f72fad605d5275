"""Duplicates among an owner's photos: which earlier photo an upload is a copy of
(``duplicates``), and store_metadata marking it on a table with the storage module's index on
userID and contentHash (moto, in process)."""

from __future__ import annotations

import boto3
import pytest
from image_pipeline.duplicates import Fingerprint, later_copies, original_of
from image_pipeline.handlers import store_metadata

from .conftest import OTHER, OWNER, REGION, TABLE
from .test_stored_renditions import step_output

HASH_INDEX = "userID-contentHash-index"
BYTES_A = "sha256:" + "aa" * 32
BYTES_B = "sha256:" + "bb" * 32
PICTURE = 0x0123456789ABCDEF


def phash(bits: int) -> str:
    return "phash:" + format(bits, "016x")


def near(flipped: int) -> str:
    """PICTURE with its ``flipped`` lowest bits inverted: that many bits away."""
    return phash(PICTURE ^ ((1 << flipped) - 1))


def photo(image_id, upload_time, content=BYTES_B, perceptual=None, failed=False) -> Fingerprint:
    return Fingerprint(image_id, upload_time, content, perceptual, failed)


def test_the_same_bytes_earlier_make_a_duplicate():
    upload = photo("b.jpg", 20, BYTES_A)
    assert original_of(upload, [photo("a.jpg", 10, BYTES_A)]) == "a.jpg"
    # Later, itself, failed or other bytes: none.
    assert original_of(upload, [photo("c.jpg", 30, BYTES_A)]) is None
    assert original_of(upload, [photo("b.jpg", 20, BYTES_A)]) is None
    assert original_of(upload, [photo("a.jpg", 10, BYTES_A, failed=True)]) is None
    assert original_of(upload, [photo("a.jpg", 10, BYTES_B)]) is None


def test_the_same_picture_within_the_distance():
    upload = photo("b.jpg", 20, BYTES_A, phash(PICTURE))
    assert original_of(upload, [photo("a.jpg", 10, perceptual=near(6))]) == "a.jpg"
    assert original_of(upload, [photo("a.jpg", 10, perceptual=near(7))]) is None
    assert original_of(upload, [photo("a.jpg", 10, perceptual=near(7))], max_distance=7) == "a.jpg"
    assert original_of(upload, [photo("a.jpg", 10, perceptual=near(1))], max_distance=0) is None
    # Without a perceptual hash, or one of another kind, only the bytes can match.
    assert original_of(upload, [photo("a.jpg", 10)]) is None
    assert original_of(upload, [photo("a.jpg", 10, perceptual="dhash:0123")]) is None


def test_the_earliest_copy_is_the_original_and_ties_go_by_name():
    upload = photo("d.jpg", 40, BYTES_A, phash(PICTURE))
    others = [
        photo("c.jpg", 30, BYTES_A),
        photo("a2.jpg", 10, perceptual=near(2)),
        photo("a1.jpg", 10, perceptual=near(3)),
        photo("z.jpg", 5, BYTES_B, near(40)),  # earlier, but another picture
    ]
    assert original_of(upload, others) == "a1.jpg"
    # Two copies uploaded at the same millisecond: only the second by name is marked.
    first, second = photo("x.jpg", 7, BYTES_A), photo("y.jpg", 7, BYTES_A)
    assert original_of(first, [second]) is None and original_of(second, [first]) == "x.jpg"


def test_later_copies():
    original = photo("a.jpg", 10, BYTES_A, phash(PICTURE))
    copies = later_copies(
        original,
        [
            photo("b.jpg", 20, BYTES_A),
            photo("c.jpg", 30, perceptual=near(4)),
            photo("d.jpg", 40, perceptual=near(20)),
            photo("e.jpg", 50, BYTES_A, failed=True),
            photo("f.jpg", 5, BYTES_A),
            photo("a.jpg", 10, BYTES_A),
        ],
    )
    assert [copy.image_id for copy in copies] == ["b.jpg", "c.jpg"]


def test_fingerprint_of_an_item():
    item = {"imageID": "a.jpg", "uploadTime": 12, "contentHash": BYTES_A, "perceptualHash": ""}
    assert Fingerprint.of_item(item) == photo("a.jpg", 12, BYTES_A)
    assert Fingerprint.of_item({**item, "processingStatus": "FAILED"}).failed is True
    assert Fingerprint.of_item({"imageID": "a.jpg", "uploadTime": 12}) is None


@pytest.fixture
def hashed_table(aws, monkeypatch):
    """The ImageMetadata table with the storage module's index on userID and contentHash."""
    monkeypatch.setenv("HASH_INDEX", HASH_INDEX)
    ddb = boto3.client("dynamodb", region_name=REGION)
    ddb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "imageID", "KeyType": "HASH"}],
        AttributeDefinitions=[
            {"AttributeName": name, "AttributeType": "S"}
            for name in ("imageID", "userID", "contentHash")
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": HASH_INDEX,
                "KeySchema": [
                    {"AttributeName": "userID", "KeyType": "HASH"},
                    {"AttributeName": "contentHash", "KeyType": "RANGE"},
                ],
                "Projection": {
                    "ProjectionType": "INCLUDE",
                    "NonKeyAttributes": [
                        "perceptualHash",
                        "uploadTime",
                        "processingStatus",
                        "duplicateOf",
                    ],
                },
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    return boto3.resource("dynamodb", region_name=REGION).Table(TABLE)


def upload(table, image_id: str, upload_time: int, owner: str | None = OWNER) -> None:
    item = {
        "imageID": image_id,
        "s3key": f"Incoming/{image_id}",
        "executionName": f"run-{image_id}",
        "processingStatus": "RUNNING",
        "uploadTime": upload_time,
    }
    if owner:
        item["userID"] = owner
    table.put_item(Item=item)


def store(table, lambda_context, image_id: str, content: str, perceptual: str | None) -> dict:
    renditions = {**step_output(), "contentHash": content, "perceptualHash": perceptual}
    if perceptual is None:
        del renditions["perceptualHash"]
    event = {
        "imageID": image_id,
        "executionName": f"run-{image_id}",
        "metadata": {"imageFormat": "JPEG", "fileSize": 10},
        "tags": [],
        "renditions": renditions,
    }
    store_metadata.handler(event, lambda_context)
    return table.get_item(Key={"imageID": image_id}, ConsistentRead=True)["Item"]


def test_store_marks_a_copy_of_the_owners_earlier_photo(hashed_table, lambda_context):
    upload(hashed_table, "a.jpg", 10)
    upload(hashed_table, "b.heic", 20)
    upload(hashed_table, "c.jpg", 30)
    upload(hashed_table, "theirs.jpg", 5, owner=OTHER)
    upload(hashed_table, "nobodys.jpg", 1, owner=None)
    assert "duplicateOf" not in store(hashed_table, lambda_context, "theirs.jpg", BYTES_A, None)
    assert "duplicateOf" not in store(hashed_table, lambda_context, "nobodys.jpg", BYTES_A, None)
    first = store(hashed_table, lambda_context, "a.jpg", BYTES_A, phash(PICTURE))
    assert first["processingStatus"] == "SUCCEEDED" and "duplicateOf" not in first
    assert (first["contentHash"], first["perceptualHash"]) == (BYTES_A, phash(PICTURE))
    # The same picture in another format: other bytes, a perceptual hash 3 bits away.
    converted = store(hashed_table, lambda_context, "b.heic", BYTES_B, near(3))
    assert converted["duplicateOf"] == "a.jpg" and converted["processingStatus"] == "SUCCEEDED"
    # The same bytes again: the earliest copy is the original.
    again = store(hashed_table, lambda_context, "c.jpg", BYTES_A, phash(PICTURE))
    assert again["duplicateOf"] == "a.jpg"


def test_an_earlier_copy_compared_second_marks_the_later(hashed_table, lambda_context):
    """The later upload finished comparing before the earlier had hashes: the earlier, on
    comparing, marks it; and it is not marked twice."""
    upload(hashed_table, "early.jpg", 10)
    upload(hashed_table, "late.jpg", 20)
    late = store(hashed_table, lambda_context, "late.jpg", BYTES_A, phash(PICTURE))
    assert "duplicateOf" not in late
    early = store(hashed_table, lambda_context, "early.jpg", BYTES_A, phash(PICTURE))
    assert "duplicateOf" not in early
    late = hashed_table.get_item(Key={"imageID": "late.jpg"}, ConsistentRead=True)["Item"]
    assert late["duplicateOf"] == "early.jpg"


def test_reprocessing_recomputes_duplicate_of(hashed_table, lambda_context):
    upload(hashed_table, "a.jpg", 10)
    upload(hashed_table, "b.jpg", 20)
    store(hashed_table, lambda_context, "a.jpg", BYTES_A, phash(PICTURE))
    assert store(hashed_table, lambda_context, "b.jpg", BYTES_A, None)["duplicateOf"] == "a.jpg"
    # b.jpg replaced by another photo under the same name: no longer a duplicate.
    upload(hashed_table, "b.jpg", 30)
    replaced = store(hashed_table, lambda_context, "b.jpg", BYTES_B, near(30))
    assert "duplicateOf" not in replaced and replaced["contentHash"] == BYTES_B


def test_a_failed_photo_is_nobodys_original(hashed_table, lambda_context):
    upload(hashed_table, "a.jpg", 10)
    upload(hashed_table, "b.jpg", 20)
    store(hashed_table, lambda_context, "a.jpg", BYTES_A, None)
    hashed_table.update_item(
        Key={"imageID": "a.jpg"},
        UpdateExpression="SET processingStatus = :failed",
        ExpressionAttributeValues={":failed": "FAILED"},
    )
    assert "duplicateOf" not in store(hashed_table, lambda_context, "b.jpg", BYTES_A, None)


def test_an_execution_that_lost_the_item_compares_nothing(hashed_table, lambda_context):
    upload(hashed_table, "a.jpg", 10)
    store(hashed_table, lambda_context, "a.jpg", BYTES_A, None)
    upload(hashed_table, "b.jpg", 20)
    hashed_table.update_item(
        Key={"imageID": "b.jpg"},
        UpdateExpression="SET executionName = :newer",
        ExpressionAttributeValues={":newer": "a-newer-upload"},
    )
    store(hashed_table, lambda_context, "b.jpg", BYTES_A, None)
    item = hashed_table.get_item(Key={"imageID": "b.jpg"}, ConsistentRead=True)["Item"]
    assert "contentHash" not in item and "duplicateOf" not in item
    assert item["processingStatus"] == "RUNNING"


def test_flat_images_have_no_perceptual_hash():
    """A flat image (one colour, or one grey from many colours) would hash to rounding noise,
    the same for every image of that grey: it has none, and only its bytes can match."""
    from image_pipeline.hashing import perceptual_hash
    from PIL import Image

    # Two colours of one grey level (convert("L") gives 67 for both), and a grey.
    for colour in ((200, 10, 10), (0, 100, 73), (129, 129, 129)):
        assert perceptual_hash(Image.new("RGB", (64, 48), colour)) is None
    near_flat = Image.linear_gradient("L").resize((64, 48)).point(lambda v: 128 + v // 128)
    assert perceptual_hash(near_flat) is None
    gradient = Image.linear_gradient("L").resize((64, 48))
    assert perceptual_hash(gradient) is not None


def test_later_copies_skip_marked_ones_and_are_bounded():
    from image_pipeline.duplicates import MAX_MARKED

    original = photo("a.jpg", 0, BYTES_A)
    marked = Fingerprint("b.jpg", 1, BYTES_A, duplicate_of="a.jpg")
    many = [photo(f"c{n:03}.jpg", 10 + n, BYTES_A) for n in range(MAX_MARKED + 5)]
    copies = later_copies(original, [marked, *reversed(many)])
    assert [c.image_id for c in copies] == [c.image_id for c in many[:MAX_MARKED]]


def test_a_copy_of_a_later_photo_is_pointed_at_the_earlier():
    """c.jpg compared while only b.jpg had hashes and points at it; a.jpg, earlier than both,
    takes both (c.jpg's mark on the condition that it is still b.jpg)."""
    original = photo("a.jpg", 10, BYTES_A)
    copies = later_copies(
        original,
        [
            Fingerprint("b.jpg", 20, BYTES_A),
            Fingerprint("c.jpg", 30, BYTES_A, duplicate_of="b.jpg"),
            Fingerprint("d.jpg", 40, BYTES_A, duplicate_of="z.jpg"),  # an original before a.jpg
        ],
    )
    assert [(c.image_id, c.duplicate_of) for c in copies] == [("b.jpg", None), ("c.jpg", "b.jpg")]


def test_store_points_every_copy_at_the_earliest(hashed_table, lambda_context):
    for image_id, upload_time in (("a.jpg", 10), ("b.jpg", 20), ("c.jpg", 30)):
        upload(hashed_table, image_id, upload_time)
    store(hashed_table, lambda_context, "b.jpg", BYTES_A, None)
    assert store(hashed_table, lambda_context, "c.jpg", BYTES_A, None)["duplicateOf"] == "b.jpg"
    store(hashed_table, lambda_context, "a.jpg", BYTES_A, None)
    marks = {
        image_id: hashed_table.get_item(Key={"imageID": image_id})["Item"].get("duplicateOf")
        for image_id in ("a.jpg", "b.jpg", "c.jpg")
    }
    assert marks == {"a.jpg": None, "b.jpg": "a.jpg", "c.jpg": "a.jpg"}
