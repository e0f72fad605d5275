"""Raw metadata of an S3 image (the version start_execution saw), from a 64 KiB ranged read of
its header (HEIF/AVIF: the whole object); IMAGE_FORMATS (JPEG,PNG unless set) decides what is
accepted; an object over MAX_OBJECT_BYTES is refused from the size that read announces."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from image_pipeline import events
from image_pipeline.config import ImageLimits
from image_pipeline.models import RawMetadata
from image_pipeline.observability import handler as observed
from image_pipeline.sources import S3Source


@observed
def handler(event: dict[str, Any], context: LambdaContext) -> RawMetadata:
    from image_pipeline.imaging import extract_metadata  # Pillow only where it is needed

    image = events.s3_location(event)
    limits = ImageLimits.from_env()
    source = S3Source(image.bucket, image.key, image.version_id, limits.max_object_bytes)
    return extract_metadata(source, limits.max_image_pixels, limits.formats)
