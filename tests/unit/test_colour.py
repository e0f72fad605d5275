"""Colour: pixels converted to sRGB from the embedded ICC profile, checked numerically against
the colour spaces' own arithmetic (tests/unit/icc.py), before the profile is stripped."""

from __future__ import annotations

import io

import pytest
from image_pipeline.colour import profile_name, read_profile, to_srgb
from image_pipeline.renditions import make_renditions
from PIL import Image, ImageChops, ImageCms, ImageStat

from . import icc, images

# In the sRGB gamut once converted, so no clipping hides an error.
COLOURS = [(200, 100, 50), (120, 120, 200), (90, 160, 110), (128, 128, 128), (250, 250, 250)]
SPACES = [icc.DISPLAY_P3, icc.ADOBE_RGB]


def solid(rgb, size=(8, 8), mode="RGB"):
    return Image.new(mode, size, rgb)


def close_to(actual, expected, tolerance):
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=False))


@pytest.mark.parametrize("space", SPACES, ids=lambda space: space.name)
def test_the_built_profiles_read_as_what_they_are(space):
    data = icc.profile(space)
    assert profile_name(data) == space.name
    assert read_profile(data).profile.xcolor_space.strip() == "RGB"


@pytest.mark.parametrize("space", SPACES, ids=lambda space: space.name)
@pytest.mark.parametrize("rgb", COLOURS)
def test_rgb_converted_numerically(space, rgb):
    out = to_srgb(solid(rgb), icc.profile(space))
    expected = icc.expected_srgb(space, rgb)
    assert close_to(out.getpixel((3, 3)), expected, 1.5), (out.getpixel((3, 3)), expected)
    assert "icc_profile" not in out.info


def test_the_conversion_matters():
    # P3 (200, 100, 50) is sRGB (215, 93, 31): served untagged without it, a visible shift.
    assert close_to(icc.expected_srgb(icc.DISPLAY_P3, (200, 100, 50)), (215, 93, 31), 1)
    assert close_to(icc.expected_srgb(icc.ADOBE_RGB, (90, 160, 110)), (0, 163, 106), 2)


@pytest.mark.parametrize("space", SPACES, ids=lambda space: space.name)
def test_alpha_is_kept_untouched(space):
    image = solid((200, 100, 50, 77), mode="RGBA")
    out = to_srgb(image, icc.profile(space))
    assert out.mode == "RGBA"
    pixel = out.getpixel((0, 0))
    assert pixel[3] == 77
    assert close_to(pixel[:3], icc.expected_srgb(space, (200, 100, 50)), 1.5)


@pytest.mark.parametrize("value", [30, 100, 128, 200])
@pytest.mark.parametrize("mode", ["L", "LA"])
def test_grey_with_a_grey_profile(value, mode):
    image = solid(value if mode == "L" else (value, 200), mode=mode)
    out = to_srgb(image, icc.grey_profile(2.2))
    assert out.mode == mode
    pixel = out.getpixel((0, 0))
    grey = pixel if mode == "L" else pixel[0]
    assert abs(grey - icc.expected_grey(value)) <= 1.5
    if mode == "LA":
        assert pixel[1] == 200


def test_srgb_tagged_is_unchanged():
    image = solid((200, 100, 50))
    out = to_srgb(image, icc.profile(icc.SRGB))
    assert close_to(out.getpixel((0, 0)), (200, 100, 50), 1)
    builtin = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    assert to_srgb(image, builtin).getpixel((0, 0)) == (200, 100, 50)


@pytest.mark.parametrize(
    "icc_bytes",
    [None, b"", b"not a profile at all", bytes(range(256)) * 4],
    ids=["none", "empty", "text", "garbage"],
)
def test_untagged_or_unreadable_is_treated_as_srgb(icc_bytes):
    image = solid((200, 100, 50))
    assert to_srgb(image, icc_bytes) is image


def test_a_profile_for_other_pixels_is_ignored():
    grey = solid(128, mode="L")
    assert to_srgb(grey, icc.profile(icc.DISPLAY_P3)) is grey  # an RGB profile on L pixels
    rgb = solid((1, 2, 3))
    assert to_srgb(rgb, icc.grey_profile()) is rgb


def test_cmyk_without_a_profile_becomes_rgb():
    out = to_srgb(solid((0, 255, 255, 0), mode="CMYK"), None)
    assert out.mode == "RGB" and out.getpixel((0, 0)) == (255, 0, 0)


# --------------------------------------------------------- through the renditions


def tagged(space, fmt: str, rgb=(200, 100, 50), alpha: bool = False, **params) -> bytes:
    mode = "RGBA" if alpha else "RGB"
    image = Image.new(mode, (600, 400), (*rgb, 255) if alpha else rgb)
    if alpha:
        image.putpixel((0, 0), (0, 0, 0, 0))  # transparency: the rendition is a PNG
    return images.encode(image, fmt, icc_profile=icc.profile(space), **params)


def centre(data: bytes) -> tuple[int, ...]:
    with Image.open(io.BytesIO(data)) as out:
        assert "icc_profile" not in out.info
        return out.convert("RGB").getpixel((out.width // 2, out.height // 2))


@pytest.mark.parametrize("space", SPACES, ids=lambda space: space.name)
@pytest.mark.parametrize(
    ("fmt", "params", "alpha", "tolerance"),
    [
        ("PNG", {}, True, 1.5),  # PNG in, PNG out: lossless both ways
        ("JPEG", {"quality": 95}, False, 3),
        ("WEBP", {"lossless": True}, False, 3),
        ("AVIF", {"quality": 95}, False, 6),
    ],
    ids=["png", "jpeg", "webp", "avif"],
)
def test_renditions_are_converted_then_stripped(space, fmt, params, alpha, tolerance):
    made = make_renditions(tagged(space, fmt, alpha=alpha, **params))
    assert made.colour_profile == space.name
    expected = icc.expected_srgb(space, (200, 100, 50))
    for rendition in made.renditions:
        pixel = centre(rendition.data)
        assert close_to(pixel, expected, tolerance), (rendition.name, pixel, expected)
        assert not close_to(pixel, (200, 100, 50), 4)  # really converted


def test_untagged_renditions_keep_their_values():
    data = images.encode(Image.new("RGB", (600, 400), (200, 100, 50)), "PNG")
    made = make_renditions(data)
    assert made.colour_profile is None
    assert close_to(centre(made.renditions[0].data), (200, 100, 50), 3)


def test_a_real_iphone_heic_is_converted_from_display_p3():
    data = images.fixture("empty_icc.heic")
    made = make_renditions(data)
    assert made.colour_profile == "Display P3"
    preview = made.named("preview")  # 1025x900: the whole picture, not reduced
    assert (preview.width, preview.height) == (1025, 900)
    with Image.open(io.BytesIO(data)) as source:
        source.load()
        profile = source.info["icc_profile"]
        decoded = source.convert("RGB")
    by_hand = ImageCms.profileToProfile(
        decoded, io.BytesIO(profile), ImageCms.createProfile("sRGB"), outputMode="RGB"
    )
    with Image.open(io.BytesIO(preview.data)) as out:
        assert "icc_profile" not in out.info and "exif" not in out.info
        rendered = out.convert("RGB")
        converted = ImageStat.Stat(ImageChops.difference(rendered, by_hand)).mean
        unconverted = ImageStat.Stat(ImageChops.difference(rendered, decoded)).mean
    assert max(converted) < 2.5  # JPEG at quality 85 only
    assert max(unconverted) > max(converted) + 1  # without the profile, it would differ
