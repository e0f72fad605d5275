"""Small Lambda handlers that exercise the emulator. Standard library and boto3 only."""

import json
import os
import time

import boto3


class FlakyError(Exception):
    """Raised until the attempt counter reaches the event's ``succeed_on_attempt``."""


class RejectedInput(Exception):
    """A named error that the state machine catches."""


INVOCATIONS = 0  # module state lives as long as the sandbox stays warm


def echo(event, context):
    global INVOCATIONS
    INVOCATIONS += 1
    return {
        "invocations": INVOCATIONS,
        "event": event,
        "greeting": os.environ.get("GREETING"),
        "function_name": context.function_name,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "endpoint": os.environ.get("AWS_ENDPOINT_URL"),
    }


def can_import(event, context):
    """Reports which modules the function can import: only its package, layers and boto3."""
    found = {}
    for name in event["modules"]:
        try:
            __import__(name)
            found[name] = True
        except ImportError:
            found[name] = False
    return found


def fail(event, context):
    print("about to fail")
    raise RejectedInput(f"rejected: {event.get('value')}")


def sleep(event, context):
    print("going to sleep")
    time.sleep(float(event.get("seconds", 30)))
    return "woke up"


def record_upload(event, context):
    """S3 trigger: one DynamoDB item per record."""
    table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
    for record in event["Records"]:
        table.put_item(
            Item={
                "id": record["s3"]["object"]["key"],
                "bucket": record["s3"]["bucket"]["name"],
                "event": record["eventName"],
            }
        )
    return len(event["Records"])


def classify(event, context):
    return {"kind": "big" if event["value"] > 10 else "small"}


def double(event, context):
    return event["value"] * 2


def flaky(event, context):
    """Fails until its attempt counter (a DynamoDB item) reaches ``succeed_on_attempt``."""
    table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
    attempt = table.update_item(
        Key={"id": f"attempts/{event['run']}"},
        UpdateExpression="ADD attempts :one",
        ExpressionAttributeValues={":one": 1},
        ReturnValues="UPDATED_NEW",
    )["Attributes"]["attempts"]
    if attempt < event["succeed_on_attempt"]:
        raise FlakyError(f"attempt {attempt} failed")
    return {"attempts": int(attempt)}


def dump(event, context):
    return json.loads(json.dumps(event))
