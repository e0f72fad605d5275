"""generate_thumbnail: read the object, make the thumbnail, write it under Thumbnails/."""

from __future__ import annotations

from image_pipeline.clients import client
from image_pipeline.config import ThumbnailConfig
from image_pipeline.models import ThumbnailResult
from image_pipeline.observability import logger


def thumbnail_object(
    bucket: str, key: str, image_id: str, config: ThumbnailConfig
) -> ThumbnailResult:
    """Write ``<config.prefix><image_id>``; ImageTooLarge above ``config.max_image_pixels``."""
    from image_pipeline.imaging import make_thumbnail  # Pillow only where it is needed

    data = client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    thumb = make_thumbnail(data, config.size, config.max_image_pixels)
    del data
    out_key = config.prefix + image_id
    client("s3").put_object(
        Bucket=bucket,
        Key=out_key,
        Body=thumb.data,
        ContentType=thumb.content_type,
        CacheControl="max-age=31536000",
    )
    logger.info(
        "Thumbnail written",
        extra={"s3Key": out_key, "width": thumb.width, "height": thumb.height},
    )
    return {"s3Bucket": bucket, "s3Key": out_key, "width": thumb.width, "height": thumb.height}
