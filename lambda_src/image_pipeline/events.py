"""Handler events -> typed arguments for the library: the only module that reads raw events.

Each handler parses its event with these functions and calls the library with what they
return. An event without what docs/contracts.md promises raises InvalidInput (a named error
the state machine does not retry); optional parts are tolerated the way the contract says.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote_plus

from image_pipeline.errors import InvalidInput
from image_pipeline.models import (
    DeadLetter,
    LoggedEnding,
    S3Location,
    S3Notification,
    StoredMetadata,
    StoredRendition,
    StoredRenditions,
    Tag,
    TerminalEvent,
)
from image_pipeline.transform import check_renditions, check_stored


def fields(event: object, what: str = "event") -> Mapping[str, Any]:
    """The event as a JSON object."""
    if not isinstance(event, Mapping):
        raise InvalidInput(f"The {what} must be a JSON object, not {type(event).__name__}")
    return event


def text(event: object, name: str) -> str:
    """A required, non-empty string field."""
    value = fields(event).get(name)
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"The event has no {name} (a non-empty string)")
    return value


def optional_text(event: object, name: str) -> str:
    """A string field, ``""`` when it is absent or not a string (the library decides)."""
    value = fields(event).get(name)
    return value if isinstance(value, str) else ""


def execution_name(event: object) -> str:
    """The execution that owns the item: ``executionName`` (``$$.Execution.Name``), or the name
    in ``executionArn`` (``$$.Execution.Id``, STANDARD or EXPRESS) when only that is given."""
    name = optional_text(event, "executionName")
    if name:
        return name
    from image_pipeline.executions import name_of

    try:
        return name_of(text(event, "executionArn"))
    except ValueError as exc:
        raise InvalidInput(f"The event names no execution: {exc}") from exc


def s3_location(event: object) -> S3Location:
    """``{s3Bucket, s3Key, s3VersionId?, ...}``: the object, and the version start_execution
    saw when the bucket is versioned (absent or null: the current version)."""
    version = fields(event).get("s3VersionId")
    if version is not None and (not isinstance(version, str) or not version):
        raise InvalidInput("The event's s3VersionId must be a non-empty string or null")
    return S3Location(bucket=text(event, "s3Bucket"), key=text(event, "s3Key"), version_id=version)


def stored_metadata(event: object) -> StoredMetadata:
    """``event.metadata`` in the stored form (TransformMetadata's output), checked, never
    transformed; absent or null is no metadata. Any other shape raises InvalidInput."""
    value = fields(event).get("metadata")
    return check_stored({} if value is None else fields(value, "metadata"))


def tags(value: object) -> list[Tag]:
    """Labels as the detect_labels function (``{name, confidence}``) or Rekognition itself
    (``{Name, Confidence, ...}``, the direct integration) returned them, most confident first,
    confidences to two decimals. A bare name, or a label whose confidence is not a number, is
    stored by name only; anything without a name is dropped: never a null."""
    if not isinstance(value, list | tuple):
        return []
    parsed: list[Tag] = []
    for label in value:
        name: object
        confidence: object
        if isinstance(label, str):
            name, confidence = label, None
        elif isinstance(label, Mapping):
            name = label.get("name", label.get("Name"))
            confidence = label.get("confidence", label.get("Confidence"))
        else:
            continue
        if not isinstance(name, str) or not name.strip():
            continue
        tag: Tag = {"name": name}
        if (
            isinstance(confidence, int | float)
            and not isinstance(confidence, bool)
            and math.isfinite(confidence)
        ):
            tag["confidence"] = round(float(confidence), 2)
        parsed.append(tag)
    parsed.sort(key=lambda tag: tag.get("confidence", -1.0), reverse=True)
    return parsed


def thumbnail(value: object) -> S3Location | None:
    """GenerateThumbnail's ``{s3Bucket, s3Key, width, height, ...}`` (the thumbnail rendition);
    None when there is none."""
    if not isinstance(value, Mapping):
        return None
    return S3Location(bucket=text(value, "s3Bucket"), key=text(value, "s3Key"))


def renditions(value: object) -> StoredRenditions:
    """GenerateThumbnail's ``{renditions: [{name, s3Bucket, s3Key, format, contentType, width,
    height, bytes}], contentHash, perceptualHash?, placeholder?, ...}`` in the stored form
    (each rendition ``{name, s3Key, width, height, bytes, format}``), checked; absent or null:
    none. Anything of another shape raises InvalidInput."""
    if value is None:
        return {}
    body = fields(value, "renditions")
    listed = body.get("renditions")
    if listed is not None and not isinstance(listed, list):
        raise InvalidInput("The event's renditions.renditions must be a list")
    records: list[StoredRendition] = []
    for rendition in listed or []:
        item = fields(rendition, "rendition")
        records.append(
            {  # type: ignore[typeddict-item]  # check_renditions checks every field
                "name": item.get("name"),
                "s3Key": item.get("s3Key"),
                "width": item.get("width"),
                "height": item.get("height"),
                "bytes": item.get("bytes"),
                "format": item.get("format"),
            }
        )
    return check_renditions(
        {
            "renditions": records,
            "placeholder": body.get("placeholder"),
            "contentHash": body.get("contentHash"),
            "perceptualHash": body.get("perceptualHash"),
        }
    )


def failure(event: object) -> tuple[str | None, str | Mapping[str, Any] | None]:
    """``(error, cause)`` from ``{error, cause}``, or from a whole Catch result passed as
    ``error: {Error, Cause}``. The cause may be a Lambda error JSON string."""
    body = fields(event)
    error: object = body.get("error")
    cause: object = body.get("cause")
    if isinstance(error, Mapping):
        catch = error
        error, cause = catch.get("Error"), catch.get("Cause", cause)
    name = str(error) if error else None
    if cause is None or isinstance(cause, str | Mapping):
        return name, cause
    return name, str(cause)


def s3_notifications(event: object) -> list[S3Notification]:
    """The records of an S3 event notification, keys URL-decoded exactly once (S3 sends them
    form-encoded: a space as ``+``)."""
    records = fields(event, "S3 event").get("Records")
    if not isinstance(records, list):
        raise InvalidInput("Not an S3 event notification: no Records")
    return [_notification(record) for record in records]


def _optional(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _notification(record: object) -> S3Notification:
    try:
        s3 = fields(record, "S3 record")["s3"]
        bucket, obj = s3["bucket"]["name"], s3["object"]
        key = obj["key"]
    except (KeyError, TypeError) as exc:
        raise InvalidInput(f"An S3 record without bucket name or object key: {exc}") from exc
    if not isinstance(bucket, str) or not isinstance(key, str):
        raise InvalidInput("An S3 record's bucket name and object key must be strings")
    body = fields(record)
    return S3Notification(
        event_name=_optional(body.get("eventName")) or "",
        bucket=bucket,
        key=unquote_plus(key),
        etag=_optional(obj.get("eTag")),
        version_id=_optional(obj.get("versionId")),
        event_time=_optional(body.get("eventTime")),
    )


def is_sqs_event(event: object) -> bool:
    """An SQS event source mapping's batch (``Records`` with ``eventSource`` ``aws:sqs``)."""
    records = event.get("Records") if isinstance(event, Mapping) else None
    return (
        isinstance(records, list)
        and bool(records)
        and all(isinstance(r, Mapping) and r.get("eventSource") == "aws:sqs" for r in records)
    )


def _json(value: object) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def dead_letters(event: object) -> list[DeadLetter]:
    """The SQS batch of the trigger's dead-letter queue: each body a Lambda on-failure
    destination record, ``{requestContext, requestPayload (the S3 event), responseContext,
    responsePayload}``. A body that is no such record has ``notifications`` None."""
    records = fields(event, "SQS event").get("Records")
    if not isinstance(records, list):
        raise InvalidInput("Not an SQS event: no Records")
    letters = []
    for record in records:
        body = fields(record, "SQS record")
        message_id = str(body.get("messageId") or "")
        destination = _json(body.get("body"))
        if not isinstance(destination, Mapping):
            letters.append(DeadLetter(message_id, None, "the message body is not JSON"))
            continue
        context = destination.get("requestContext")
        response = destination.get("responsePayload")
        condition = context.get("condition") if isinstance(context, Mapping) else None
        message = response.get("errorMessage") if isinstance(response, Mapping) else None
        reason = str(message or condition or "the start failed every time it was tried")
        try:
            notifications = s3_notifications(destination.get("requestPayload"))
        except InvalidInput as exc:
            letters.append(DeadLetter(message_id, None, str(exc)))
            continue
        letters.append(DeadLetter(message_id, notifications, reason))
    return letters


def terminal_event(event: object) -> TerminalEvent:
    """A Step Functions "Execution Status Change" event: ``detail`` with ``executionArn``,
    ``stateMachineArn``, ``status``, ``input`` (the execution input, a JSON string naming
    ``imageID``) and, when it failed, ``error`` and ``cause``."""
    detail = fields(fields(event).get("detail"), "event detail")
    payload = _json(detail.get("input"))
    image_id = payload.get("imageID") if isinstance(payload, Mapping) else None
    if not isinstance(image_id, str) or not image_id:
        raise InvalidInput("The execution's input names no imageID")
    error, cause = detail.get("error"), detail.get("cause")
    return TerminalEvent(
        state_machine_arn=text(detail, "stateMachineArn"),
        execution_arn=text(detail, "executionArn"),
        status=text(detail, "status"),
        image_id=image_id,
        error=str(error) if error else None,
        cause=str(cause) if cause else None,
    )


def backfill_item(event: object) -> tuple[str, str, bool, str]:
    """One item of the backfill's map, ``{s3Key, backfillExecution, all?, prefix?,
    keyEncoded?}``: the object's key (decoded when ``keyEncoded``: an S3 Inventory lists keys
    URL-encoded), the backfill execution's name (its runs are named after it), whether objects
    that already have an item run too (absent or null: false), and the prefix asked for ("":
    any)."""
    body = fields(event)
    flags = {name: body.get(name) for name in ("all", "keyEncoded")}
    for name, value in flags.items():
        if value is not None and not isinstance(value, bool):
            raise InvalidInput(f"The event's {name} must be true, false or null")
    key = text(event, "s3Key")
    if flags["keyEncoded"]:
        key = unquote_plus(key)
    prefix = body.get("prefix")
    if prefix is not None and not isinstance(prefix, str):
        raise InvalidInput("The event's prefix must be a string or null")
    return key, text(event, "backfillExecution"), bool(flags["all"]), prefix or ""


def backfill_start_failure(event: object) -> tuple[str, str, str, str]:
    """The backfill's Catch of a start that failed, ``{imageID, name, startError: {Error,
    Cause}}``: the image, the execution's name, the error and its cause."""
    caught = fields(fields(event).get("startError"), "startError")
    error = caught.get("Error")
    cause = caught.get("Cause")
    return (
        text(event, "imageID"),
        text(event, "name"),
        str(error) if error else "StartFailed",
        str(cause) if cause else "",
    )


def image_ids(event: object) -> list[str]:
    """``{imageIDs: [str, ...]}`` (the web app's retry): the non-empty imageIDs, each once."""
    value = fields(event).get("imageIDs")
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise InvalidInput("The event has no imageIDs (a list of non-empty strings)")
    return list(dict.fromkeys(value))


# An EXPRESS execution's history is only in CloudWatch Logs: these event types are its bad
# endings, as the state machine's log group records them (every log level includes them).
LOGGED_ENDINGS = {
    "ExecutionFailed": "FAILED",
    "ExecutionTimedOut": "TIMED_OUT",
    "ExecutionAborted": "ABORTED",
}


def logged_endings(event: object) -> list[LoggedEnding]:
    """A CloudWatch Logs subscription event (``awslogs.data``: gzip, base64) of the state
    machine's log group: every execution that ended badly in it (other records are ignored)."""
    import base64
    import gzip

    data = text(fields(fields(event).get("awslogs"), "awslogs"), "data")
    try:
        batch = json.loads(gzip.decompress(base64.b64decode(data)))
    except (ValueError, OSError) as exc:
        raise InvalidInput(f"awslogs.data is not gzipped, base64-encoded JSON: {exc}") from exc
    endings: list[LoggedEnding] = []
    for logged in fields(batch, "log batch").get("logEvents") or []:
        record = _json(fields(logged, "log event").get("message"))
        if not isinstance(record, Mapping) or record.get("type") not in LOGGED_ENDINGS:
            continue
        details = record.get("details") if isinstance(record.get("details"), Mapping) else {}
        error, cause = details.get("error"), details.get("cause")
        endings.append(
            LoggedEnding(
                execution_arn=text(record, "execution_arn"),
                status=LOGGED_ENDINGS[record["type"]],
                error=str(error) if error else None,
                cause=str(cause) if cause else None,
            )
        )
    return endings
