"""make_thumbnail: size, orientation, transparency, stripped metadata, bounded decoding."""

from __future__ import annotations

import io

import pytest
from image_pipeline.errors import (
    FileTypeNotSupported,
    ImageDecodeError,
    ImageIdentifyError,
    ImageTooLarge,
)
from image_pipeline.imaging import fit, make_thumbnail
from PIL import Image, ImageChops, ImageFile, JpegImagePlugin

from . import images

LIMIT = 89_478_485


def thumb(data: bytes, box: int = 250, limit: int = LIMIT):
    return make_thumbnail(data, box, limit)


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def assert_no_metadata(data: bytes) -> None:
    image = opened(data)
    assert "exif" not in image.info
    assert not image.getexif()
    assert "icc_profile" not in image.info
    assert b"Exif\x00\x00" not in data
    assert b"eXIf" not in data


def close(pixel, color, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], color, strict=True))


# ------------------------------------------------------------------------------- size


@pytest.mark.parametrize(
    ("size", "box", "expected"),
    [
        ((6000, 4000), 250, (250, 167)),
        ((4000, 6000), 250, (167, 250)),
        ((250, 250), 250, (250, 250)),
        ((100, 50), 250, (100, 50)),  # never upscale
        ((10000, 10), 250, (250, 1)),
    ],
)
def test_fit(size, box, expected):
    assert fit(size, box) == expected


def test_large_jpeg_fits_box_via_dct_scaling(monkeypatch):
    scales = []
    original = JpegImagePlugin.JpegImageFile.draft

    def spy(self, mode, size):
        result = original(self, mode, size)
        scales.append((size, self.size))
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    result = thumb(images.noisy_jpeg((2400, 1600), quality=80))
    assert (result.format, result.width, result.height) == ("JPEG", 250, 167)
    assert result.content_type == "image/jpeg"
    # drafted to the smallest 1/n scale still at least the target: 2400/8 = 300 >= 250
    assert scales == [((250, 167), (300, 200))]
    assert opened(result.data).size == (250, 167)


def test_small_image_is_not_upscaled():
    result = thumb(images.jpeg((120, 80)))
    assert (result.width, result.height) == (120, 80)


def test_custom_box():
    result = thumb(images.jpeg((640, 480)), box=64)
    assert (result.width, result.height) == (64, 48)


# ------------------------------------------------------------------------ orientation


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied(orientation):
    result = thumb(images.oriented_jpeg(orientation, displayed=(400, 200)), box=100)
    image = opened(result.data).convert("RGB")
    assert image.size == (100, 50)
    assert close(image.getpixel((5, 5)), images.RED)
    assert close(image.getpixel((94, 5)), images.GREEN)
    assert close(image.getpixel((5, 44)), images.BLUE)
    assert close(image.getpixel((94, 44)), images.WHITE)


def test_real_orientation_set_renders_identically():
    rendered = [
        opened(thumb(images.fixture(f"f{n}-exif.jpg")).data).convert("L") for n in range(1, 9)
    ]
    assert {image.size for image in rendered} == {(40, 80)}
    reference = rendered[0]
    for image in rendered[1:]:
        diff = ImageChops.difference(reference, image)
        mean = sum(i * count for i, count in enumerate(diff.histogram())) / (40 * 80)
        assert mean < 20, "orientation not applied"


def test_real_iphone_photo_rotated_and_stripped():
    data = images.fixture("has-lens-info.jpg")
    result = thumb(data, box=100)
    assert (result.width, result.height) == (50, 100)
    assert_no_metadata(result.data)


# ------------------------------------------------------------------ metadata stripping


def test_gps_and_exif_are_stripped():
    source = images.jpeg(
        (600, 400), exif=images.exif_bytes(make="Cam", lat=-33.85, lon=151.21, orientation=1)
    )
    assert b"Exif" in source
    assert_no_metadata(thumb(source).data)


def test_icc_profile_and_comment_are_stripped():
    source = images.encode(
        Image.new("RGB", (400, 300)), "JPEG", icc_profile=b"\x00" * 200, comment=b"secret"
    )
    data = thumb(source).data
    assert_no_metadata(data)
    assert b"secret" not in data


# ---------------------------------------------------------------------------- formats


def test_mpo_becomes_a_jpeg_thumbnail():
    result = thumb(images.fixture("sugarshack.mpo"))
    assert (result.format, result.width, result.height) == ("JPEG", 250, 188)
    assert opened(result.data).format == "JPEG"


def test_png_transparency_is_kept():
    image = Image.new("RGBA", (600, 300), (255, 0, 0, 255))
    image.paste((0, 0, 0, 0), (300, 0, 600, 300))
    result = thumb(images.encode(image, "PNG"))
    out = opened(result.data)
    assert (result.format, result.content_type) == ("PNG", "image/png")
    assert out.mode == "RGBA" and out.size == (250, 125)
    assert out.getpixel((10, 60))[3] == 255
    assert out.getpixel((240, 60))[3] == 0


def test_palette_png_with_transparency():
    image = Image.new("P", (500, 100), 1)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    image.paste(0, (0, 0, 250, 100))
    result = thumb(images.encode(image, "PNG", transparency=0))
    out = opened(result.data)
    assert out.mode == "RGBA" and out.size == (250, 50)
    assert out.getpixel((10, 25))[3] == 0
    assert out.getpixel((240, 25)) == (255, 0, 0, 255)


def test_real_one_bit_png_with_trns_keeps_transparency():
    result = thumb(images.fixture("1_trns.png"))
    out = opened(result.data)
    assert out.mode in ("LA", "RGBA")
    assert out.getextrema()[-1] == (0, 255)


def test_sixteen_bit_png_is_scaled_not_clipped():
    image = Image.new("I;16", (400, 200), 32768)
    result = thumb(images.encode(image, "PNG"))
    out = opened(result.data)
    assert (out.mode, out.size) == ("L", (250, 125))
    assert abs(out.getpixel((10, 10)) - 128) <= 1


def test_cmyk_jpeg_becomes_rgb():
    result = thumb(images.jpeg((500, 500), color=(0, 255, 255, 0), mode="CMYK"))
    out = opened(result.data)
    assert (out.mode, out.size) == ("RGB", (250, 250))


def test_progressive_jpeg():
    result = thumb(images.noisy_jpeg((1000, 500), progressive=True))
    assert (result.width, result.height) == (250, 125)


def test_jpeg_bytes_named_png_stay_jpeg():
    result = thumb(images.jpeg((300, 300)))
    assert result.content_type == "image/jpeg"


# -------------------------------------------------------------------------- bad input


def test_truncated_jpeg_body():
    data = images.noisy_jpeg((400, 300))
    with pytest.raises(ImageDecodeError):
        thumb(data[: len(data) // 2])


def test_corrupt_png_data():
    data = bytearray(images.encode(Image.new("RGB", (300, 300), (9, 9, 9)), "PNG"))
    start = data.index(b"IDAT") + 8
    data[start : start + 20] = b"\xff" * 20
    with pytest.raises(ImageDecodeError):
        thumb(bytes(data))


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", ImageIdentifyError),
        (b"just text, named .jpg", ImageIdentifyError),
        (images.bmp(), FileTypeNotSupported),
        (images.png_bomb(), ImageTooLarge),
    ],
    ids=["empty", "text", "bmp", "bomb"],
)
def test_bad_input_named_errors(data, error):
    with pytest.raises(error):
        thumb(data)


# ---------------------------------------------------- the configured limit decides, not Pillow


def test_a_limit_above_pillows_own_admits_a_180_mp_jpeg():
    # DCT scaling decodes it at 1/8 (1875 x 1500): no 180 MP buffer is ever allocated
    result = thumb(images.jpeg_claiming(*images.HUGE), limit=200_000_000)
    assert (result.format, result.width, result.height) == ("JPEG", 250, 200)
    assert opened(result.data).size == (250, 200)


def test_the_default_limit_refuses_the_same_jpeg():
    with pytest.raises(ImageTooLarge, match="exceeds the limit of 89478485"):
        thumb(images.jpeg_claiming(*images.HUGE))


def test_a_limit_below_the_image_refuses_it_before_decoding(monkeypatch):
    data = images.jpeg((40, 30))
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: pytest.fail("decoded"))
    with pytest.raises(ImageTooLarge, match="limit of 1199 pixels: 40x30 = 1200 pixels"):
        thumb(data, limit=1199)
