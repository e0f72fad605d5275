"""Raw metadata -> the stored form. Never breaks on missing or null facts."""

from __future__ import annotations

from typing import Any

_OPTIONAL = ("exifMake", "exifModel", "creationTime")


def _number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _geo(value: Any) -> dict[str, float] | None:
    if not isinstance(value, dict):
        return None
    try:
        lat, lon = float(value["latitude"]), float(value["longitude"])
    except (KeyError, TypeError, ValueError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return {"latitude": lat, "longitude": lon}


def transform_metadata(raw: dict[str, Any] | None) -> dict[str, Any]:
    """``{imageFormat, dimensions: {width, height}, fileSize, exifMake?, exifModel?,
    creationTime?, geo?}``; unknown facts are absent keys, never nulls or empty strings."""
    raw = raw or {}
    stored: dict[str, Any] = {}
    fmt = raw.get("format") or raw.get("imageFormat")
    if isinstance(fmt, str) and fmt:
        stored["imageFormat"] = "JPEG" if fmt.upper() == "MPO" else fmt.upper()
    dims = raw.get("dimensions") if isinstance(raw.get("dimensions"), dict) else raw
    width, height = _number(dims.get("width")), _number(dims.get("height"))
    if width and height:
        stored["dimensions"] = {"width": width, "height": height}
    size = _number(raw.get("fileSize"))
    if size is not None:
        stored["fileSize"] = size
    for key in _OPTIONAL:
        value = raw.get(key)
        if isinstance(value, str) and value.strip():
            stored[key] = value.strip()
    geo = _geo(raw.get("geo"))
    if geo:
        stored["geo"] = geo
    return stored
