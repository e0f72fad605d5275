"""Colour management: pixels converted to sRGB from the image's embedded ICC profile.

Renditions are served without a profile (every one is stripped), and an untagged image on the
web is shown as sRGB, so a photo tagged Display P3 (every iPhone since 2016), Adobe RGB (many
cameras) or a CMYK profile must have its pixels converted before the profile is dropped, or
its colours shift (P3 reds and greens look dull, Adobe RGB greens look washed out). An image
without a profile, or with one that cannot be read or does not fit its mode, is treated as
sRGB already and left as it is: a broken profile never fails the image.

Imported by ``renditions`` only (Pillow's ImageCms loads LittleCMS).
"""

from __future__ import annotations

import io
import threading

from PIL import Image, ImageCms

_SRGB: ImageCms.ImageCmsProfile | None = None
_SRGB_LOCK = threading.Lock()

# The profile's colour space (ICC header) -> the modes that carry it and the output mode.
_RGB_MODES = {"RGB": "RGB", "RGBA": "RGBA"}


def srgb_profile() -> ImageCms.ImageCmsProfile:
    """LittleCMS's built-in sRGB profile, made once per process."""
    global _SRGB
    with _SRGB_LOCK:
        if _SRGB is None:
            _SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
        return _SRGB


def read_profile(icc: bytes | None) -> ImageCms.ImageCmsProfile | None:
    """The embedded profile, or None when there is none or it cannot be read."""
    if not icc or not isinstance(icc, bytes):
        return None
    try:
        return ImageCms.ImageCmsProfile(io.BytesIO(icc))
    except (OSError, ValueError, TypeError, ImageCms.PyCMSError):
        return None


def profile_name(icc: bytes | None) -> str | None:
    """The profile's description ("Display P3", "sRGB IEC61966-2.1"), when it has one."""
    profile = read_profile(icc)
    if profile is None:
        return None
    try:
        name = ImageCms.getProfileDescription(profile).strip()
    except ImageCms.PyCMSError:
        return None
    return name or None


def _convert(
    image: Image.Image, profile: ImageCms.ImageCmsProfile, in_mode: str, out_mode: str
) -> Image.Image:
    transform = ImageCms.buildTransform(
        profile,
        srgb_profile(),
        in_mode,
        out_mode,
        renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
        flags=ImageCms.Flags.BLACKPOINTCOMPENSATION,
    )
    return ImageCms.applyTransform(image, transform)


def to_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """``image`` (already loaded) with its pixels in sRGB, given the profile it was tagged with.

    RGB/RGBA with an RGB profile stay RGB/RGBA (alpha untouched); L/LA with a grey profile stay
    L/LA (the grey converted through sRGB's tone curve); CMYK with a CMYK profile becomes RGB.
    A CMYK image without a usable profile is converted naively to RGB (Pillow's formula).
    Anything else (no profile, an unreadable one, a profile for another colour space than the
    pixels') is returned as it is. The result never carries ``icc_profile``.
    """
    profile = read_profile(icc)
    space = None
    if profile is not None:
        try:
            space = profile.profile.xcolor_space.strip()
        except (AttributeError, ImageCms.PyCMSError):
            space = None
    mode = image.mode
    try:
        if space == "RGB" and mode in _RGB_MODES and profile is not None:
            return _strip(_convert(image, profile, mode, _RGB_MODES[mode]))
        if space == "GRAY" and mode in ("L", "LA") and profile is not None:
            grey = image if mode == "L" else image.getchannel("L")
            converted = _convert(grey, profile, "L", "RGB").convert("L")  # R = G = B: exact
            if mode == "LA":
                converted = Image.merge("LA", (converted, image.getchannel("A")))
            return _strip(converted)
        if space == "CMYK" and mode == "CMYK" and profile is not None:
            return _strip(_convert(image, profile, "CMYK", "RGB"))
    except (OSError, ValueError, ImageCms.PyCMSError):
        pass  # a profile LittleCMS cannot build a transform from: treated as untagged
    if mode == "CMYK":
        return _strip(image.convert("RGB"))
    return image


def _strip(image: Image.Image) -> Image.Image:
    image.info.pop("icc_profile", None)
    return image
