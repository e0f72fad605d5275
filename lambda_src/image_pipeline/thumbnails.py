"""generate_thumbnail: read the object, make the thumbnail, write it under Thumbnails/.

``renditions_object`` is its successor (every size from one decode, the hashes, the
placeholder), ready for a generate_renditions function: not wired into the state machine yet.
"""

from __future__ import annotations

from image_pipeline.clients import client
from image_pipeline.config import RenditionConfig, ThumbnailConfig
from image_pipeline.models import (
    RenditionRecord,
    RenditionsResult,
    S3Location,
    ThumbnailResult,
)
from image_pipeline.observability import logger
from image_pipeline.sources import read_object, read_object_hashed


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


def renditions_object(
    image: S3Location, image_id: str, config: RenditionConfig
) -> RenditionsResult:
    """Every rendition of ``image`` (``config.renditions``) written to
    ``renditions.rendition_key(config.prefix, image_id, name)``, from one read (hashed as it
    streams in) and one decode. Renditions of the same bytes (a source smaller than several
    boxes) are written once per key all the same: each name has its own key."""
    from image_pipeline.renditions import make_renditions, parse_specs, rendition_key

    data, content_hash = read_object_hashed(image, config.max_object_bytes)
    made = make_renditions(
        data,
        parse_specs(config.renditions),
        config.max_image_pixels,
        policy=config.policy,
        formats=config.formats,
    )
    del data
    s3 = client("s3")
    records: list[RenditionRecord] = []
    for rendition in made.renditions:
        key = rendition_key(config.prefix, image_id, rendition.name)
        s3.put_object(
            Bucket=image.bucket,
            Key=key,
            Body=rendition.data,
            ContentType=rendition.content_type,
            CacheControl="max-age=31536000",
        )
        records.append(
            {
                "name": rendition.name,
                "s3Bucket": image.bucket,
                "s3Key": key,
                "format": rendition.format,
                "contentType": rendition.content_type,
                "width": rendition.width,
                "height": rendition.height,
                "bytes": rendition.size,
            }
        )
    result: RenditionsResult = {
        "renditions": records,
        "contentHash": content_hash,
        "transparent": made.transparent,
    }
    if made.perceptual_hash:
        result["perceptualHash"] = made.perceptual_hash
    if made.placeholder:
        result["placeholder"] = made.placeholder
    if made.colour_profile:
        result["colourProfile"] = made.colour_profile
    logger.info("Renditions written", extra={"renditions": [r["s3Key"] for r in records]})
    return result
