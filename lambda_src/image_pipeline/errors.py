"""Named errors. The class name is the error name Step Functions sees (``Error``)."""

from __future__ import annotations


class PipelineError(Exception):
    """Base class: an error the state machine must not retry."""

    @property
    def name(self) -> str:
        return type(self).__name__

    @property
    def cause(self) -> str:
        return str(self) or self.name


class ImageIdentifyError(PipelineError):
    """Not an image, empty or unreadable."""


class FileTypeNotSupported(PipelineError):
    """An image, but of a format the deployment does not accept (``IMAGE_FORMATS``, JPEG and
    PNG unless set) or the library cannot read (TIFF, BMP...)."""


class ImageTooLarge(PipelineError):
    """More pixels than MAX_IMAGE_PIXELS, refused before any decoding (every function that
    decodes an image: extract_metadata, generate_thumbnail, detect_labels' rendition), or more
    bytes than MAX_OBJECT_BYTES, refused from the object's size before its content is read."""


class ImageDecodeError(PipelineError):
    """Corrupt or truncated image data."""


class InvalidInput(PipelineError):
    """An event without the shape docs/contracts.md gives it (a mis-wired state machine)."""


class OwnerMismatch(PipelineError):
    """The upload's key has no owner folder, or its user metadata claims another owner (a
    ``userid`` or an ``albumid`` of another identity): start_execution records the item FAILED
    and starts nothing."""


class ExecutionNotAllowed(PipelineError):
    """describe_execution was asked about another state machine's execution."""


class ExecutionNotDescribable(PipelineError):
    """describe_execution was asked about an EXPRESS execution: AWS keeps no status of those to
    describe (DescribeExecution refuses them); the item's processingStatus is the status."""


class ReprocessNotAllowed(PipelineError):
    """The reprocess function was asked, without a Cognito identity or for another identity's
    photo, to reprocess it: only a user's own photos are reprocessed."""
