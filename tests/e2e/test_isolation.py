"""Each user sees and changes only their own photos: two signed-in users of environments/local, on
the emulator, which enforces the browser role's policy for credentials Cognito Identity issues.
In the run with guests on (conftest: EXPRESS), a guest gets the same isolation against a
signed-in user; in the other, guests are refused.

Users are made as the contract in docs/contracts.md says a script makes them: AdminCreateUser +
AdminSetUserPassword (permanent), InitiateAuth USER_PASSWORD_AUTH, then GetId and
GetCredentialsForIdentity with the ID token. A guest: GetId and GetCredentialsForIdentity
without Logins.
"""

from __future__ import annotations

import io
import time
import uuid
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from PIL import Image

from tests.conftest import REGION, LocalAws

PASSWORD = "Correct-Horse-42"
DENIED = {"AccessDenied", "AccessDeniedException"}


@dataclass
class User:
    name: str
    identity_id: str
    session: boto3.Session
    endpoint: str

    def client(self, service: str) -> Any:
        return self.session.client(
            service, endpoint_url=self.endpoint, config=Config(retries={"max_attempts": 1})
        )


def _sign_in(local_aws: LocalAws, outputs: dict, email: str, name: str) -> User:
    idp = local_aws.client("cognito-idp")
    pool, client_id = outputs["user_pool_id"], outputs["user_pool_client_id"]
    idp.admin_create_user(
        UserPoolId=pool,
        Username=email,
        UserAttributes=[{"Name": "email", "Value": email}, {"Name": "name", "Value": name}],
        MessageAction="SUPPRESS",
    )
    idp.admin_set_user_password(UserPoolId=pool, Username=email, Password=PASSWORD, Permanent=True)
    tokens = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    identity = local_aws.client("cognito-identity")
    logins = {f"cognito-idp.{REGION}.amazonaws.com/{pool}": tokens["IdToken"]}
    identity_id = identity.get_id(IdentityPoolId=outputs["identity_pool_id"], Logins=logins)[
        "IdentityId"
    ]
    again = identity.get_id(IdentityPoolId=outputs["identity_pool_id"], Logins=logins)
    assert again["IdentityId"] == identity_id, "the same user must keep one identity id"
    creds = identity.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)[
        "Credentials"
    ]
    return User(name, identity_id, _session(creds), local_aws.endpoint_url)


def _session(creds: dict) -> boto3.Session:
    return boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretKey"],
        aws_session_token=creds["SessionToken"],
        region_name=REGION,
    )


@pytest.fixture(scope="module")
def users(local_aws: LocalAws, deployed) -> tuple[User, User]:
    outputs = deployed["outputs"]
    run = uuid.uuid4().hex[:8]
    zoe = _sign_in(local_aws, outputs, f"zoe-{run}@example.com", "Zoë Ångström")
    lei = _sign_in(local_aws, outputs, f"lei-{run}@example.com", "李雷")
    assert zoe.identity_id != lei.identity_id
    return zoe, lei


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.effect_noise((64, 48), 40).convert("RGB").save(out, "JPEG")
    return out.getvalue()


def _denied(call, *args, **kwargs) -> str:
    with pytest.raises(ClientError) as error:
        call(*args, **kwargs)
    code = error.value.response["Error"]["Code"]
    assert code in DENIED, f"expected AccessDenied, got {code}: {error.value}"
    return code


def _wait_item(user: User, table: str, image_id: str, timeout_s: float = 120) -> dict:
    dynamodb = user.client("dynamodb")
    deadline = time.monotonic() + timeout_s
    item: dict = {}
    while time.monotonic() < deadline:
        item = dynamodb.get_item(TableName=table, Key={"imageID": {"S": image_id}}).get("Item", {})
        if item.get("processingStatus", {}).get("S") in {"SUCCEEDED", "FAILED"}:
            return item
        time.sleep(0.5)
    pytest.fail(f"{image_id} not terminal after {timeout_s}s: {item}")


def _album_with_photo(user: User, name: str, outputs: dict) -> dict:
    """``user`` creates an album named ``name`` and uploads a photo into it, as the web app does."""
    album_id = f"{user.identity_id}/{uuid.uuid4().hex[:12]}"
    user.client("dynamodb").put_item(
        TableName=outputs["album_metadata_table_name"],
        Item={
            "albumID": {"S": album_id},
            "userID": {"S": user.identity_id},
            "albumName": {"S": name},
            "creationTime": {"N": str(int(time.time() * 1000))},
        },
        ConditionExpression="attribute_not_exists(albumID)",
    )
    key = f"Incoming/{album_id}/photo ü {user.name}.jpg"
    user.client("s3").put_object(
        Bucket=outputs["bucket_name"], Key=key, Body=_jpeg(), Metadata={"albumid": album_id}
    )
    item = _wait_item(user, outputs["image_metadata_table_name"], key.removeprefix("Incoming/"))
    return {"album_id": album_id, "name": name, "key": key, "item": item}


@pytest.fixture(scope="module")
def albums(users, deployed) -> dict[str, dict]:
    """Each user creates an album with a non-ASCII name and uploads a photo into it."""
    names = ("Ferien Zürich 2024", "北京 🐼 相册")
    return {
        user.identity_id: _album_with_photo(user, name, deployed["outputs"])
        for user, name in zip(users, names, strict=True)
    }


def _renditions(item: dict) -> dict[str, str]:
    """The item's rendition keys by name (thumbnail, preview)."""
    return {
        r["M"]["name"]["S"]: r["M"]["s3Key"]["S"] for r in item.get("renditions", {}).get("L", [])
    }


def _own_photo_readable(user: User, mine: dict, outputs: dict) -> None:
    """The owner reads their item, their album (by id and in their list), the album's photos
    and every rendition (``Thumbnails/<owner>/<rendition>/<rest>``)."""
    item = mine["item"]
    assert item["processingStatus"]["S"] == "SUCCEEDED", item
    assert item["userID"]["S"] == user.identity_id
    assert item["albumID"]["S"] == mine["album_id"]
    dynamodb = user.client("dynamodb")
    image_id = mine["key"].removeprefix("Incoming/")
    got = dynamodb.get_item(
        TableName=outputs["image_metadata_table_name"], Key={"imageID": {"S": image_id}}
    )
    assert got["Item"]["imageID"]["S"] == image_id
    album = dynamodb.get_item(
        TableName=outputs["album_metadata_table_name"], Key={"albumID": {"S": mine["album_id"]}}
    )
    assert album["Item"]["albumName"]["S"] == mine["name"]
    listed = dynamodb.query(
        TableName=outputs["album_metadata_table_name"],
        IndexName="userID-creationTime-index",
        KeyConditionExpression="userID = :u",
        ExpressionAttributeValues={":u": {"S": user.identity_id}},
    )["Items"]
    assert mine["album_id"] in [a["albumID"]["S"] for a in listed]
    photos = dynamodb.query(
        TableName=outputs["image_metadata_table_name"],
        IndexName="albumID-uploadTime-index",
        KeyConditionExpression="albumID = :a",
        ExpressionAttributeValues={":a": {"S": mine["album_id"]}},
    )["Items"]
    assert [p["imageID"]["S"] for p in photos] == [image_id]
    renditions = _renditions(item)
    assert set(renditions) == {"thumbnail", "preview"}, item
    rest = image_id.removeprefix(f"{user.identity_id}/")
    s3 = user.client("s3")
    for name, key in renditions.items():
        assert key == f"Thumbnails/{user.identity_id}/{name}/{rest}"
        assert s3.get_object(Bucket=outputs["bucket_name"], Key=key)["Body"].read(), key


def _cross_reads_denied(reader: User, owner: User, theirs: dict, outputs: dict) -> None:
    """``reader`` can read nothing of ``owner``'s: the item, the album's photos, the album list,
    the album, any rendition (thumbnail and preview); nor scan either table."""
    dynamodb = reader.client("dynamodb")
    _denied(
        dynamodb.get_item,
        TableName=outputs["image_metadata_table_name"],
        Key={"imageID": {"S": theirs["key"].removeprefix("Incoming/")}},
    )
    _denied(
        dynamodb.query,
        TableName=outputs["image_metadata_table_name"],
        IndexName="albumID-uploadTime-index",
        KeyConditionExpression="albumID = :a",
        ExpressionAttributeValues={":a": {"S": theirs["album_id"]}},
    )
    _denied(
        dynamodb.query,
        TableName=outputs["album_metadata_table_name"],
        IndexName="userID-creationTime-index",
        KeyConditionExpression="userID = :u",
        ExpressionAttributeValues={":u": {"S": owner.identity_id}},
    )
    _denied(
        dynamodb.get_item,
        TableName=outputs["album_metadata_table_name"],
        Key={"albumID": {"S": theirs["album_id"]}},
    )
    for table in (outputs["image_metadata_table_name"], outputs["album_metadata_table_name"]):
        _denied(dynamodb.scan, TableName=table)
    renditions = _renditions(theirs["item"])
    assert set(renditions) == {"thumbnail", "preview"}, theirs["item"]
    for key in renditions.values():
        _denied(reader.client("s3").get_object, Bucket=outputs["bucket_name"], Key=key)


def _cross_writes_denied(writer: User, owner: User, theirs: dict, outputs: dict) -> None:
    """``writer`` can change nothing of ``owner``'s: no upload over their photo or anywhere
    under their prefix, no delete or listing there, no album written over or deleted."""
    bucket, s3 = outputs["bucket_name"], writer.client("s3")
    _denied(s3.put_object, Bucket=bucket, Key=theirs["key"], Body=_jpeg())
    _denied(
        s3.put_object, Bucket=bucket, Key=f"Incoming/{owner.identity_id}/planted.jpg", Body=_jpeg()
    )
    _denied(s3.delete_object, Bucket=bucket, Key=theirs["key"])
    _denied(s3.list_objects_v2, Bucket=bucket, Prefix=f"Incoming/{owner.identity_id}/")
    dynamodb = writer.client("dynamodb")
    album = {
        "albumID": {"S": theirs["album_id"]},
        "userID": {"S": writer.identity_id},
        "albumName": {"S": "hijacked"},
        "creationTime": {"N": "1"},
    }
    _denied(dynamodb.put_item, TableName=outputs["album_metadata_table_name"], Item=album)
    _denied(
        dynamodb.delete_item,
        TableName=outputs["album_metadata_table_name"],
        Key={"albumID": {"S": theirs["album_id"]}},
    )


def test_own_photo_succeeds_with_the_owner_from_the_key(users, albums, deployed):
    for user in users:
        _own_photo_readable(user, albums[user.identity_id], deployed["outputs"])


def test_album_names_round_trip_in_any_unicode(users, albums, deployed):
    table = deployed["outputs"]["album_metadata_table_name"]
    for user in users:
        mine = albums[user.identity_id]
        listed = user.client("dynamodb").query(
            TableName=table,
            IndexName="userID-creationTime-index",
            KeyConditionExpression="userID = :u",
            ExpressionAttributeValues={":u": {"S": user.identity_id}},
        )["Items"]
        assert [a["albumName"]["S"] for a in listed] == [mine["name"]]
        photos = user.client("dynamodb").query(
            TableName=deployed["outputs"]["image_metadata_table_name"],
            IndexName="albumID-uploadTime-index",
            KeyConditionExpression="albumID = :a",
            ExpressionAttributeValues={":a": {"S": mine["album_id"]}},
        )["Items"]
        assert [p["imageID"]["S"] for p in photos] == [mine["key"].removeprefix("Incoming/")]


def test_cross_user_reads_are_denied(users, albums, deployed):
    zoe, lei = users
    _cross_reads_denied(zoe, lei, albums[lei.identity_id], deployed["outputs"])
    _cross_reads_denied(lei, zoe, albums[zoe.identity_id], deployed["outputs"])


def test_cross_user_writes_are_denied(users, albums, deployed):
    outputs = deployed["outputs"]
    zoe, lei = users
    theirs = albums[lei.identity_id]
    _cross_writes_denied(zoe, lei, theirs, outputs)
    _denied(
        zoe.client("s3").put_object,
        Bucket=outputs["bucket_name"],
        Key="Incoming/someone-else.jpg",
        Body=_jpeg(),
    )
    dynamodb = zoe.client("dynamodb")
    album = {
        "albumID": {"S": theirs["album_id"]},
        "userID": {"S": zoe.identity_id},
        "albumName": {"S": "hijacked"},
        "creationTime": {"N": "1"},
    }
    extra = {**album, "albumID": {"S": f"{zoe.identity_id}/extra"}, "isAdmin": {"BOOL": True}}
    _denied(dynamodb.put_item, TableName=outputs["album_metadata_table_name"], Item=extra)
    _denied(
        dynamodb.update_item,
        TableName=outputs["image_metadata_table_name"],
        Key={"imageID": {"S": albums[zoe.identity_id]["key"].removeprefix("Incoming/")}},
        UpdateExpression="SET processingStatus = :s",
        ExpressionAttributeValues={":s": {"S": "SUCCEEDED"}},
    )
    function = outputs["function_names"]["describe_execution"]
    _denied(zoe.client("lambda").invoke, FunctionName=function, Payload=b"{}")


def test_metadata_claiming_another_owner_is_refused(users, deployed):
    """Even under one's own prefix, an object whose metadata names another owner's album ends
    FAILED OwnerMismatch, visible to its uploader."""
    outputs = deployed["outputs"]
    zoe, lei = users
    key = f"Incoming/{zoe.identity_id}/claims/other.jpg"
    zoe.client("s3").put_object(
        Bucket=outputs["bucket_name"],
        Key=key,
        Body=_jpeg(),
        Metadata={"albumid": f"{lei.identity_id}/stolen"},
    )
    item = _wait_item(zoe, outputs["image_metadata_table_name"], key.removeprefix("Incoming/"))
    assert item["processingStatus"]["S"] == "FAILED"
    assert item["error"]["S"] == "OwnerMismatch"
    assert item["userID"]["S"] == zoe.identity_id


@pytest.fixture(scope="module")
def guest(local_aws: LocalAws, deployed) -> User:
    """A guest of the run with guests on: an identity without Logins, and its credentials."""
    if not deployed["guests"]:
        pytest.skip("guests are off in this run: test_guests_are_off")
    identity = local_aws.client("cognito-identity")
    identity_id = identity.get_id(IdentityPoolId=deployed["outputs"]["identity_pool_id"])[
        "IdentityId"
    ]
    creds = identity.get_credentials_for_identity(IdentityId=identity_id)["Credentials"]
    return User("guest", identity_id, _session(creds), local_aws.endpoint_url)


def test_a_guest_gets_the_same_isolation_as_a_signed_in_user(guest, users, albums, deployed):
    """With guests on: a guest uploads and reads its own photo, album and renditions; every read
    and write between the guest and a signed-in user, either way, is denied."""
    outputs = deployed["outputs"]
    assert guest.identity_id not in {u.identity_id for u in users}
    mine = _album_with_photo(guest, "Gäste 🧳", outputs)
    _own_photo_readable(guest, mine, outputs)
    _, lei = users
    theirs = albums[lei.identity_id]
    _cross_reads_denied(guest, lei, theirs, outputs)
    _cross_writes_denied(guest, lei, theirs, outputs)
    _cross_reads_denied(lei, guest, mine, outputs)
    _cross_writes_denied(lei, guest, mine, outputs)
    _own_photo_readable(guest, mine, outputs)  # nothing of the guest's was changed


def test_guests_are_off(deployed, local_aws):
    if deployed["guests"]:
        pytest.skip("guests are on in this run: test_a_guest_gets_the_same_isolation_...")
    with pytest.raises(ClientError) as error:
        local_aws.client("cognito-identity").get_id(
            IdentityPoolId=deployed["outputs"]["identity_pool_id"]
        )
    assert error.value.response["Error"]["Code"] == "NotAuthorizedException"


def test_users_delete_only_their_own_photos_and_albums(users, albums, deployed):
    """The web app's delete: a user lists and deletes their own album's photos (the trigger then
    removes each photo's item and thumbnail) and the album item; another user's are denied."""
    outputs = deployed["outputs"]
    bucket, albums_table = outputs["bucket_name"], outputs["album_metadata_table_name"]
    zoe, lei = users
    mine, theirs = albums[zoe.identity_id], albums[lei.identity_id]
    s3 = zoe.client("s3")
    _cross_writes_denied(zoe, lei, theirs, outputs)

    listed = s3.list_objects_v2(Bucket=bucket, Prefix=f"Incoming/{mine['album_id']}/")
    assert [o["Key"] for o in listed["Contents"]] == [mine["key"]]
    for entry in listed["Contents"]:
        s3.delete_object(Bucket=bucket, Key=entry["Key"])
    zoe.client("dynamodb").delete_item(
        TableName=albums_table, Key={"albumID": {"S": mine["album_id"]}}
    )

    images = zoe.client("dynamodb")
    image_id = mine["key"].removeprefix("Incoming/")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and images.get_item(
        TableName=outputs["image_metadata_table_name"], Key={"imageID": {"S": image_id}}
    ).get("Item"):
        time.sleep(0.25)
    assert not images.get_item(
        TableName=outputs["image_metadata_table_name"], Key={"imageID": {"S": image_id}}
    ).get("Item"), "the deleted photo's item is still there"
    lei_item = lei.client("dynamodb").get_item(
        TableName=outputs["image_metadata_table_name"],
        Key={"imageID": {"S": theirs["key"].removeprefix("Incoming/")}},
    )
    assert lei_item["Item"]["processingStatus"]["S"] == "SUCCEEDED"
