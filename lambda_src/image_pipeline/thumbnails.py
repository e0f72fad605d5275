"""generate_thumbnail: read the object once, write every rendition under Thumbnails/
(``renditions_object``: every size from one decode, the hashes, the placeholder); the
thumbnail rendition is the item's ``thumbnail``."""

from __future__ import annotations

from image_pipeline.clients import client
from image_pipeline.config import RenditionConfig
from image_pipeline.models import (
    GenerateThumbnailResult,
    RenditionRecord,
    RenditionsResult,
    S3Location,
)
from image_pipeline.observability import logger
from image_pipeline.sources import read_object_hashed


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


THUMBNAIL = "thumbnail"


def generate_thumbnail(
    image: S3Location, image_id: str, config: RenditionConfig
) -> GenerateThumbnailResult:
    """``renditions_object``, with the thumbnail rendition (named ``thumbnail``, else the
    smallest) as ``{s3Bucket, s3Key, width, height}``: what the web app shows in a card."""
    result = renditions_object(image, image_id, config)
    records = result["renditions"]
    thumb = next(
        (r for r in records if r["name"] == THUMBNAIL),
        min(records, key=lambda r: max(r["width"], r["height"])),
    )
    return {
        "s3Bucket": thumb["s3Bucket"],
        "s3Key": thumb["s3Key"],
        "width": thumb["width"],
        "height": thumb["height"],
        **result,
    }
