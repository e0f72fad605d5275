"""The shapes the functions exchange (docs/contracts.md), as types.

TypedDicts are the JSON a handler returns or receives: plain dicts at run time, so a handler
returns the library's result as it is. Dataclasses are typed arguments parsed from an event.
Standard library only: every handler imports this module at no cost.
"""

from dataclasses import dataclass
from typing import Literal, NotRequired, TypedDict

# ------------------------------------------------------------------------- metadata


class Geo(TypedDict):
    latitude: float
    longitude: float


class Dimensions(TypedDict):
    width: int
    height: int


class RawMetadata(TypedDict):
    """extract_metadata's output (the CLI's JSON); width and height as displayed."""

    format: str
    width: int
    height: int
    fileSize: int
    exifMake: NotRequired[str]
    exifModel: NotRequired[str]
    creationTime: NotRequired[str]
    geo: NotRequired[Geo]
    orientation: NotRequired[int]
    # Only the CLI's metadata of a format the pipeline refuses: False (never in an execution).
    supported: NotRequired[bool]


class StoredMetadata(TypedDict, total=False):
    """transform_metadata's output, stored by store_metadata; an unknown fact is an absent key."""

    imageFormat: str
    dimensions: Dimensions
    fileSize: int
    exifMake: str
    exifModel: str
    creationTime: str
    geo: Geo


# The keys of StoredMetadata, in the order the item lists them.
STORED_METADATA_KEYS: tuple[str, ...] = (
    "imageFormat",
    "dimensions",
    "fileSize",
    "exifMake",
    "exifModel",
    "creationTime",
    "geo",
)

# ------------------------------------------------------------------ labels, thumbnail


class Label(TypedDict):
    """detect_labels' output: one label, confidence in percent."""

    name: str
    confidence: float


class ModerationLabel(TypedDict):
    """detect_moderation_labels' output and the stored form: one of Rekognition's moderation
    labels (``Explicit Nudity``, ``Violence``...), confidence in percent, the label above it in
    Rekognition's taxonomy when it has one."""

    name: str
    confidence: float
    parentName: NotRequired[str]


class Tag(TypedDict):
    """A stored label: a label without a numeric confidence is stored by name only."""

    name: str
    confidence: NotRequired[float]


class ThumbnailResult(TypedDict):
    """generate_thumbnail's output."""

    s3Bucket: str
    s3Key: str
    width: int
    height: int


class RenditionRecord(TypedDict):
    """One rendition as the item would record it (the ``renditions`` list, which lifecycle
    already deletes with the photo): where it is, what it is, its size in bytes."""

    name: str
    s3Bucket: str
    s3Key: str
    format: str
    contentType: str
    width: int
    height: int
    bytes: int


class RenditionsResult(TypedDict):
    """thumbnails.renditions_object's output (generate_thumbnail's, with its thumbnail)."""

    renditions: list[RenditionRecord]
    contentHash: str  # sha256:<hex> of the object's bytes
    perceptualHash: NotRequired[str]  # phash:<16 hex>
    placeholder: NotRequired[str]  # BlurHash of the smallest rendition
    transparent: bool
    colourProfile: NotRequired[str]  # the embedded ICC profile converted from


class GenerateThumbnailResult(RenditionsResult):
    """generate_thumbnail's output: the thumbnail rendition's ``{s3Bucket, s3Key, width,
    height}`` (as before renditions) and every rendition, the hashes and the placeholder."""

    s3Bucket: str
    s3Key: str
    width: int
    height: int


class StoredRendition(TypedDict):
    """One rendition as the item records it."""

    name: str
    s3Key: str
    width: int
    height: int
    bytes: int
    format: str


class StoredRenditions(TypedDict, total=False):
    """What store_metadata records of generate_thumbnail's output; an unknown fact is absent."""

    renditions: list[StoredRendition]
    placeholder: str
    contentHash: str
    perceptualHash: str


# The keys of StoredRenditions: the item attributes store_metadata sets or removes.
STORED_RENDITION_KEYS: tuple[str, ...] = (
    "renditions",
    "placeholder",
    "contentHash",
    "perceptualHash",
)
STORED_RENDITION_FIELDS: tuple[str, ...] = ("name", "s3Key", "width", "height", "bytes", "format")


@dataclass(frozen=True)
class S3Location:
    """An S3 object; ``version_id`` pins the version to read (None: the current one)."""

    bucket: str
    key: str
    version_id: str | None = None


# ------------------------------------------------------------------------- outcomes


class StoreResult(TypedDict):
    imageID: str
    processingStatus: Literal["SUCCEEDED"]


class FailureResult(TypedDict):
    imageID: str
    processingStatus: Literal["FAILED"]
    error: str
    cause: str


# ----------------------------------------------------------------------- executions


class ExecutionInput(TypedDict):
    """The state machine's input, written by start_execution. ``userID`` is the key's owner
    folder; ``s3VersionId`` the version the S3 event named (None on an unversioned bucket),
    the version every step reads."""

    s3Bucket: str
    s3Key: str
    s3VersionId: str | None
    imageID: str
    userID: str
    albumID: str | None
    uploadTime: int


class ExecutionStatus(TypedDict):
    """describe_execution's output; ISO-8601 dates."""

    executionArn: str
    status: str
    startDate: str | None
    stopDate: NotRequired[str]
    error: NotRequired[str]
    cause: NotRequired[str]


@dataclass(frozen=True)
class S3Notification:
    """One record of an S3 event notification; ``key`` is decoded (S3 sends it form-encoded)."""

    event_name: str
    bucket: str
    key: str
    etag: str | None = None
    version_id: str | None = None
    event_time: str | None = None


@dataclass(frozen=True)
class DeadLetter:
    """One message of the trigger's dead-letter queue: a Lambda on-failure destination record
    (``requestPayload`` the S3 event); ``notifications`` None when it carries no S3 event."""

    message_id: str
    notifications: list[S3Notification] | None
    reason: str


@dataclass(frozen=True)
class LoggedEnding:
    """An execution's bad ending as its state machine's log group records it (EXPRESS: no
    EventBridge event, no DescribeExecution; the log names the execution, not the image)."""

    execution_arn: str
    status: str  # FAILED, TIMED_OUT or ABORTED
    error: str | None = None
    cause: str | None = None


@dataclass(frozen=True)
class TerminalEvent:
    """A Step Functions "Execution Status Change" event of an execution that ended badly."""

    state_machine_arn: str
    execution_arn: str
    status: str  # FAILED, TIMED_OUT or ABORTED
    image_id: str
    error: str | None = None
    cause: str | None = None


class BatchItemFailure(TypedDict):
    itemIdentifier: str


class BatchResponse(TypedDict):
    """An SQS event source mapping's partial batch response (ReportBatchItemFailures)."""

    batchItemFailures: list[BatchItemFailure]


class TerminalResult(TypedDict):
    """record_terminal's output."""

    imageID: str
    executionArn: str
    status: str
    recorded: bool
    error: NotRequired[str]
    cause: NotRequired[str]


class StartedRecord(TypedDict):
    s3Key: str
    imageID: str
    executionArn: str


class SkippedRecord(TypedDict):
    s3Key: str
    reason: str
    executionArn: NotRequired[str]


class RefusedRecord(TypedDict):
    """An upload recorded FAILED by start_execution itself (no execution started)."""

    s3Key: str
    imageID: str
    error: str
    cause: str


class FailedRecord(TypedDict):
    s3Key: str
    error: str


class RemovedRecord(TypedDict):
    """A photo removed with its object: its item (when there was one) and renditions."""

    s3Key: str
    imageID: str
    itemRemoved: bool
    renditions: int  # object versions deleted


class StartOutput(TypedDict):
    """start_execution's output."""

    started: list[StartedRecord]
    skipped: list[SkippedRecord]
    refused: list[RefusedRecord]
    removed: list[RemovedRecord]


class Restarted(TypedDict):
    """One object reprocess or backfill acted on: ``outcome`` started (its new
    ``executionArn``), skipped (``reason``) or refused (``error``, ``cause``)."""

    s3Key: str
    outcome: Literal["start", "started", "skipped", "refused"]
    imageID: NotRequired[str]
    executionArn: NotRequired[str]
    reason: NotRequired[str]
    error: NotRequired[str]
    cause: NotRequired[str]


class RestartOutput(TypedDict):
    """The reprocess function's (and the CLI's library call's) output."""

    started: list[Restarted]
    skipped: list[Restarted]
    refused: list[Restarted]
    failed: list[FailedRecord]


class BackfillDecision(TypedDict):
    """backfill_object's output: ``start`` true with the execution's ``name`` and ``input``
    (the backfill state machine starts it), or false with a ``reason``."""

    start: bool
    s3Key: str
    imageID: NotRequired[str]
    name: NotRequired[str]
    input: NotRequired[ExecutionInput]
    reason: NotRequired[str]


class BackfillFailure(TypedDict):
    """backfill_object's output for a start that failed: whether the item was recorded
    FAILED (StartFailed)."""

    imageID: str
    executionName: str
    recorded: bool
    cause: str
