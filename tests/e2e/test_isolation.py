"""Each user sees and changes only their own photos: two signed-in users of environments/local, on
the emulator, which enforces the browser role's policy for credentials Cognito Identity issues.

Users are made as the contract in docs/contracts.md says a script makes them: AdminCreateUser +
AdminSetUserPassword (permanent), InitiateAuth USER_PASSWORD_AUTH, then GetId and
GetCredentialsForIdentity with the ID token.
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
    session = boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretKey"],
        aws_session_token=creds["SessionToken"],
        region_name=REGION,
    )
    return User(name, identity_id, session, local_aws.endpoint_url)


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


@pytest.fixture(scope="module")
def albums(users, deployed) -> dict[str, dict]:
    """Each user creates an album with a non-ASCII name and uploads a photo into it."""
    outputs = deployed["outputs"]
    out = {}
    for user, name in zip(users, ("Ferien Zürich 2024", "北京 🐼 相册"), strict=True):
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
        image_id = key.removeprefix("Incoming/")
        item = _wait_item(user, outputs["image_metadata_table_name"], image_id)
        out[user.identity_id] = {"album_id": album_id, "name": name, "key": key, "item": item}
    return out


def test_own_photo_succeeds_with_the_owner_from_the_key(users, albums):
    for user in users:
        item = albums[user.identity_id]["item"]
        assert item["processingStatus"]["S"] == "SUCCEEDED", item
        assert item["userID"]["S"] == user.identity_id
        assert item["albumID"]["S"] == albums[user.identity_id]["album_id"]


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
    outputs = deployed["outputs"]
    zoe, lei = users
    theirs = albums[lei.identity_id]
    dynamodb = zoe.client("dynamodb")
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
        ExpressionAttributeValues={":u": {"S": lei.identity_id}},
    )
    _denied(
        dynamodb.get_item,
        TableName=outputs["album_metadata_table_name"],
        Key={"albumID": {"S": theirs["album_id"]}},
    )
    for table in (outputs["image_metadata_table_name"], outputs["album_metadata_table_name"]):
        _denied(dynamodb.scan, TableName=table)
    thumbnail = theirs["item"]["thumbnail"]["M"]["s3Key"]["S"]
    _denied(zoe.client("s3").get_object, Bucket=outputs["bucket_name"], Key=thumbnail)
    own = albums[zoe.identity_id]["item"]["thumbnail"]["M"]["s3Key"]["S"]
    assert zoe.client("s3").get_object(Bucket=outputs["bucket_name"], Key=own)["Body"].read()


def test_cross_user_writes_are_denied(users, albums, deployed):
    outputs = deployed["outputs"]
    zoe, lei = users
    theirs = albums[lei.identity_id]
    _denied(
        zoe.client("s3").put_object,
        Bucket=outputs["bucket_name"],
        Key=theirs["key"],
        Body=_jpeg(),
    )
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
    _denied(dynamodb.put_item, TableName=outputs["album_metadata_table_name"], Item=album)
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


def test_guests_are_off(deployed, local_aws):
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
    _denied(s3.delete_object, Bucket=bucket, Key=theirs["key"])
    _denied(s3.list_objects_v2, Bucket=bucket, Prefix=f"Incoming/{lei.identity_id}/")
    _denied(
        zoe.client("dynamodb").delete_item,
        TableName=albums_table,
        Key={"albumID": {"S": theirs["album_id"]}},
    )

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
