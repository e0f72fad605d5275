"""generate_thumbnail: read the object, make the thumbnail, write it under Thumbnails/."""

from __future__ import annotations

from image_pipeline.clients import client
from image_pipeline.config import ThumbnailConfig
from image_pipeline.models import S3Location, ThumbnailResult
from image_pipeline.observability import logger
from image_pipeline.sources import read_object


def thumbnail_object(image: S3Location, image_id: str, config: ThumbnailConfig) -> ThumbnailResult:
    """Write ``<config.prefix><image_id>`` from ``image`` (its pinned version when it has one);
    ImageTooLarge above ``config.max_object_bytes`` (before reading it) or
    ``config.max_image_pixels`` (before decoding it)."""
    from image_pipeline.imaging import make_thumbnail  # Pillow only where it is needed

    data = read_object(image, config.max_object_bytes)
    thumb = make_thumbnail(data, config.size, config.max_image_pixels)
    del data
    out_key = config.prefix + image_id
    client("s3").put_object(
        Bucket=image.bucket,
        Key=out_key,
        Body=thumb.data,
        ContentType=thumb.content_type,
        CacheControl="max-age=31536000",
    )
    logger.info(
        "Thumbnail written",
        extra={"s3Key": out_key, "width": thumb.width, "height": thumb.height},
    )
    return {
        "s3Bucket": image.bucket,
        "s3Key": out_key,
        "width": thumb.width,
        "height": thumb.height,
    }
