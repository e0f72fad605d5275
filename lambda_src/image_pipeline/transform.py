"""Raw metadata -> the stored form, once; and the check store_metadata makes of that form.

``transform_metadata`` reads only the raw shape extract_metadata produces and never breaks on
missing or null facts. ``check_stored`` accepts only the stored shape, so the state machine's
TransformMetadata step is the one place metadata is transformed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from image_pipeline.errors import InvalidInput
from image_pipeline.models import (
    STORED_METADATA_KEYS,
    STORED_RENDITION_FIELDS,
    STORED_RENDITION_KEYS,
    Dimensions,
    Geo,
    StoredMetadata,
    StoredRendition,
    StoredRenditions,
)

_TEXT_FACTS = ("exifMake", "exifModel", "creationTime")


def _number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) else None
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _text(value: Any) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None


def _geo(value: Any) -> Geo | None:
    if not isinstance(value, Mapping):
        return None
    try:
        lat, lon = float(value["latitude"]), float(value["longitude"])
    except (KeyError, TypeError, ValueError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):  # also false for NaN
        return None
    return {"latitude": lat, "longitude": lon}


def transform_metadata(raw: Mapping[str, Any]) -> StoredMetadata:
    """Raw ``{format, width, height, fileSize, exifMake?, exifModel?, creationTime?, geo?,
    orientation?}`` -> ``{imageFormat, dimensions: {width, height}, fileSize, exifMake?,
    exifModel?, creationTime?, geo?}``; unknown facts are absent keys, never nulls or empty
    strings. Keys of any other shape (the stored one included) are not read."""
    stored: StoredMetadata = {}
    fmt = raw.get("format")
    if isinstance(fmt, str) and fmt.strip():
        fmt = fmt.strip().upper()
        stored["imageFormat"] = "JPEG" if fmt == "MPO" else fmt
    width, height = _number(raw.get("width")), _number(raw.get("height"))
    if width and height and width > 0 and height > 0:
        stored["dimensions"] = {"width": width, "height": height}
    size = _number(raw.get("fileSize"))
    if size is not None and size >= 0:
        stored["fileSize"] = size
    make, model, taken = (_text(raw.get(key)) for key in _TEXT_FACTS)
    if make:
        stored["exifMake"] = make
    if model:
        stored["exifModel"] = model
    if taken:
        stored["creationTime"] = taken
    geo = _geo(raw.get("geo"))
    if geo:
        stored["geo"] = geo
    return stored


# ------------------------------------------------------------------ the stored form


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _invalid(key: str, value: Any, expected: str) -> InvalidInput:
    return InvalidInput(f"metadata.{key} must be {expected}, not {value!r}"[:300])


def _stored_text(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise _invalid(key, value, "a string")
    return value


def _dimensions(value: Any) -> Dimensions:
    if not (isinstance(value, Mapping) and set(value) == {"width", "height"}):
        raise _invalid("dimensions", value, "{width, height}")
    width, height = value["width"], value["height"]
    if not (_is_int(width) and _is_int(height) and width > 0 and height > 0):
        raise _invalid("dimensions", value, "positive integers {width, height}")
    return {"width": width, "height": height}


def _stored_geo(value: Any) -> Geo:
    if not (isinstance(value, Mapping) and set(value) == {"latitude", "longitude"}):
        raise _invalid("geo", value, "{latitude, longitude}")
    lat, lon = value["latitude"], value["longitude"]
    if not (_is_number(lat) and _is_number(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise _invalid("geo", value, "degrees {latitude: -90..90, longitude: -180..180}")
    return {"latitude": lat, "longitude": lon}


def check_stored(metadata: Mapping[str, Any]) -> StoredMetadata:
    """``metadata`` as it is, once checked to be the stored form (transform_metadata's output).

    Raw metadata (``format``, ``width``...), unknown keys and facts of the wrong type raise
    InvalidInput; a null or empty fact is an absent one. Nothing is converted or renamed.
    """
    unknown = sorted(str(key) for key in metadata if key not in STORED_METADATA_KEYS)
    if unknown:
        raise InvalidInput(
            "metadata is not in the stored form (TransformMetadata's output): unexpected "
            + ", ".join(unknown)
        )
    present = {k: v for k, v in metadata.items() if v is not None and v != ""}
    stored: StoredMetadata = {}
    if "imageFormat" in present:
        stored["imageFormat"] = _stored_text("imageFormat", present["imageFormat"])
    if "dimensions" in present:
        stored["dimensions"] = _dimensions(present["dimensions"])
    if "fileSize" in present:
        if not (_is_int(present["fileSize"]) and present["fileSize"] >= 0):
            raise _invalid("fileSize", present["fileSize"], "a number of bytes")
        stored["fileSize"] = present["fileSize"]
    if "exifMake" in present:
        stored["exifMake"] = _stored_text("exifMake", present["exifMake"])
    if "exifModel" in present:
        stored["exifModel"] = _stored_text("exifModel", present["exifModel"])
    if "creationTime" in present:
        stored["creationTime"] = _stored_text("creationTime", present["creationTime"])
    if "geo" in present:
        stored["geo"] = _stored_geo(present["geo"])
    return stored


# ------------------------------------------------------- renditions, hashes, placeholder

RENDITION_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
_CONTENT_HASH = re.compile(r"sha256:[0-9a-f]{64}")
_PERCEPTUAL_HASH = re.compile(r"phash:[0-9a-f]{16}")
# BlurHash's base 83 alphabet; 4 components by 3 are 28 characters, 9 by 9 at most 166.
_BLURHASH = re.compile(r"[0-9A-Za-z#$%*+,\-.:;=?@\[\]^_{|}~]{6,166}")


def _invalid_result(key: str, value: Any, expected: str) -> InvalidInput:
    return InvalidInput(f"{key} must be {expected}, not {value!r}"[:300])


def _stored_rendition(index: int, value: Any) -> StoredRendition:
    key = f"renditions[{index}]"
    if not (isinstance(value, Mapping) and set(value) == set(STORED_RENDITION_FIELDS)):
        raise _invalid_result(key, value, "{" + ", ".join(STORED_RENDITION_FIELDS) + "}")
    name, s3_key, fmt = value["name"], value["s3Key"], value["format"]
    width, height, size = value["width"], value["height"], value["bytes"]
    if not (isinstance(name, str) and name and isinstance(s3_key, str) and s3_key):
        raise _invalid_result(key, value, "named, with an s3Key")
    if not (_is_int(width) and _is_int(height) and width > 0 and height > 0):
        raise _invalid_result(key, value, "positive integers width, height")
    if not (_is_int(size) and size > 0):
        raise _invalid_result(key, value, "a positive number of bytes")
    if fmt not in RENDITION_FORMATS:
        raise _invalid_result(key, value, "a JPEG, PNG or WEBP format")
    return {
        "name": name,
        "s3Key": s3_key,
        "width": width,
        "height": height,
        "bytes": size,
        "format": fmt,
    }


def check_renditions(results: Mapping[str, Any]) -> StoredRenditions:
    """``results`` as they are, once checked to be the stored form of generate_thumbnail's
    renditions: ``{renditions: [{name, s3Key, width, height, bytes, format}], placeholder?,
    contentHash?, perceptualHash?}``. Unknown keys and values of the wrong shape raise
    InvalidInput; a null or empty one is an absent one. Nothing is converted or renamed."""
    unknown = sorted(str(key) for key in results if key not in STORED_RENDITION_KEYS)
    if unknown:
        raise InvalidInput(
            "renditions are not in the stored form: unexpected " + ", ".join(unknown)
        )
    present = {k: v for k, v in results.items() if v is not None and v != "" and v != []}
    stored: StoredRenditions = {}
    if "renditions" in present:
        value = present["renditions"]
        if not isinstance(value, list | tuple):
            raise _invalid_result("renditions", value, "a list")
        listed = [_stored_rendition(i, r) for i, r in enumerate(value)]
        names = [r["name"] for r in listed]
        if len(set(names)) != len(names):
            raise _invalid_result("renditions", names, "named once each")
        stored["renditions"] = listed
    for key, pattern, expected in (
        ("placeholder", _BLURHASH, "a BlurHash"),
        ("contentHash", _CONTENT_HASH, "sha256:<64 hex>"),
        ("perceptualHash", _PERCEPTUAL_HASH, "phash:<16 hex>"),
    ):
        if key in present:
            value = present[key]
            if not (isinstance(value, str) and pattern.fullmatch(value)):
                raise _invalid_result(key, value, expected)
            stored[key] = value  # type: ignore[literal-required]
    return stored
