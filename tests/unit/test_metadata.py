"""extract_metadata on real photos, generated edge cases and hostile input."""

from __future__ import annotations

import io

import pytest
from image_pipeline.errors import (
    FileTypeNotSupported,
    ImageDecodeError,
    ImageIdentifyError,
    ImageTooLarge,
)
from image_pipeline.imaging import extract_metadata
from image_pipeline.sources import PREFIX_BYTES, FileSource
from PIL import Image, PngImagePlugin

from . import images

LIMIT = 89_478_485


def meta(tmp_path, data: bytes, name: str = "image.jpg", limit: int = LIMIT) -> dict:
    path = tmp_path / name
    path.write_bytes(data)
    return extract_metadata(FileSource(str(path)), limit)


# ------------------------------------------------------------------------- real photos


def test_iphone_photo_with_gps_and_orientation(tmp_path):
    result = meta(tmp_path, images.fixture("has-lens-info.jpg"))
    assert result["format"] == "JPEG"
    # stored 205x102, orientation 6 (rotate 90): displayed portrait
    assert (result["width"], result["height"]) == (102, 205)
    assert result["orientation"] == 6
    assert result["fileSize"] == 22493
    assert result["exifMake"] == "Apple"
    assert result["exifModel"] == "iPhone 4S"
    assert result["creationTime"] == "2014-09-01T15:03:47"
    # N 59 deg 19' 57.17", E 18 deg 3' 53.79"
    assert round(result["geo"]["latitude"], 4) == 59.3325
    assert round(result["geo"]["longitude"], 4) == 18.0649


@pytest.mark.parametrize("orientation", range(1, 9))
def test_real_orientation_set_is_displayed_portrait(tmp_path, orientation):
    result = meta(tmp_path, images.fixture(f"f{orientation}-exif.jpg"))
    assert result["orientation"] == orientation
    # 1-4 are stored 40x80, 5-8 stored 80x40: all display as 40x80
    assert (result["width"], result["height"]) == (40, 80)


def test_mpo_counts_as_jpeg(tmp_path):
    result = meta(tmp_path, images.fixture("sugarshack.mpo"), "photo.mpo")
    assert result["format"] == "JPEG"
    assert (result["width"], result["height"]) == (640, 480)
    assert result["exifMake"] == "Nintendo"
    assert result["exifModel"] == "Nintendo 3DS"
    assert result["creationTime"] == "2014-03-02T14:17:39"
    assert result["fileSize"] == 120198


def test_canon_without_gps_coordinates(tmp_path):
    result = meta(tmp_path, images.fixture("r_canon.jpg"))
    assert result["exifMake"] == "Canon"
    assert result["exifModel"] == "Canon PowerShot G1 X Mark II"
    assert result["creationTime"] == "2013-12-17T14:04:24"
    assert "geo" not in result  # GPS IFD holds only the version


def test_sony_make_is_trimmed(tmp_path):
    result = meta(tmp_path, images.fixture("r_sony.jpg"))
    assert result["exifMake"] == "SONY"
    assert result["exifModel"] == "DSC-RX1R"


def test_gps_written_as_strings_and_blank_make_are_absent(tmp_path):
    result = meta(tmp_path, images.fixture("geodegrees_as_string.jpg"))
    assert (result["width"], result["height"]) == (205, 102)
    assert "geo" not in result
    assert "exifMake" not in result and "exifModel" not in result
    assert result["creationTime"] == "2014-04-26T19:09:19"


def test_self_referencing_exif_does_not_hang(tmp_path):
    result = meta(tmp_path, images.fixture("infinite_loop_exif.jpg"))
    assert (result["format"], result["width"], result["height"]) == ("JPEG", 8, 8)


# ---------------------------------------------------------------------- generated


@pytest.mark.parametrize("orientation", range(1, 9))
def test_generated_orientations(tmp_path, orientation):
    result = meta(tmp_path, images.oriented_jpeg(orientation, displayed=(300, 100)))
    assert result["orientation"] == orientation
    assert (result["width"], result["height"]) == (300, 100)


@pytest.mark.parametrize(
    ("lat", "lon"),
    [(48.858222, 2.2945), (40.689247, -74.044502), (-33.856784, 151.215297), (-22.9519, -43.2105)],
    ids=["N-E", "N-W", "S-E", "S-W"],
)
def test_gps_in_all_four_hemispheres(tmp_path, lat, lon):
    data = images.jpeg(exif=images.exif_bytes(lat=lat, lon=lon))
    geo = meta(tmp_path, data)["geo"]
    assert round(geo["latitude"], 4) == round(lat, 4)
    assert round(geo["longitude"], 4) == round(lon, 4)


def test_capture_time_and_camera(tmp_path):
    data = images.jpeg(
        exif=images.exif_bytes(make="Make\x00 ", model="Model 1", taken="2024:02:29 23:59:58")
    )
    result = meta(tmp_path, data)
    assert result["exifMake"] == "Make"
    assert result["exifModel"] == "Model 1"
    assert result["creationTime"] == "2024-02-29T23:59:58"


def test_invalid_capture_time_is_absent(tmp_path):
    data = images.jpeg(exif=images.exif_bytes(taken="0000:00:00 00:00:00"))
    assert "creationTime" not in meta(tmp_path, data)


def test_no_exif_means_absent_keys(tmp_path):
    result = meta(tmp_path, images.jpeg((64, 48)))
    assert result == {"format": "JPEG", "width": 64, "height": 48, "fileSize": result["fileSize"]}
    assert result["fileSize"] > 0


def test_corrupt_exif_is_ignored(tmp_path):
    result = meta(tmp_path, images.corrupt_exif_jpeg())
    assert (result["format"], result["width"], result["height"]) == ("JPEG", 32, 24)
    assert not {"exifMake", "geo", "orientation", "creationTime"} & result.keys()


def test_cmyk_and_progressive_jpegs(tmp_path):
    cmyk = images.jpeg((50, 40), color=(0, 50, 100, 0), mode="CMYK")
    progressive = images.jpeg((70, 30), progressive=True)
    assert meta(tmp_path, cmyk)["width"] == 50
    result = meta(tmp_path, progressive, "p.jpg")
    assert (result["format"], result["width"], result["height"]) == ("JPEG", 70, 30)


@pytest.mark.parametrize(
    ("image", "params"),
    [
        (Image.new("I;16", (33, 17), 40000), {}),
        (Image.new("P", (21, 12), 5), {}),
        (Image.new("RGBA", (25, 10), (0, 0, 0, 0)), {}),
    ],
    ids=["16-bit", "palette", "rgba"],
)
def test_png_kinds(tmp_path, image, params):
    result = meta(tmp_path, images.encode(image, "PNG", **params), "x.png")
    assert (result["format"], result["width"], result["height"]) == ("PNG", *image.size)


def test_png_exif_orientation_without_decoding(tmp_path, monkeypatch):
    data = images.encode(
        Image.new("RGB", (60, 20)), "PNG", exif=images.exif_bytes(orientation=8, make="PNGCam")
    )

    def no_decode(self):
        raise AssertionError("metadata must not decode the PNG")

    monkeypatch.setattr(PngImagePlugin.PngImageFile, "load", no_decode)
    result = meta(tmp_path, data, "x.png")
    assert (result["width"], result["height"], result["orientation"]) == (20, 60, 8)
    assert result["exifMake"] == "PNGCam"


def test_png_metadata_never_decodes_even_without_exif(tmp_path, monkeypatch):
    data = images.encode(Image.new("RGB", (60, 20)), "PNG")

    def no_decode(self):
        raise AssertionError("metadata must not decode the PNG")

    monkeypatch.setattr(PngImagePlugin.PngImageFile, "load", no_decode)
    assert meta(tmp_path, data, "x.png")["width"] == 60


def test_jpeg_bytes_named_png(tmp_path):
    assert meta(tmp_path, images.jpeg(), "photo.png")["format"] == "JPEG"


# ------------------------------------------------------------------- ranged reads


def test_reads_only_a_64k_prefix_of_a_large_file(tmp_path):
    data = images.noisy_jpeg((800, 600))
    assert len(data) > 4 * PREFIX_BYTES
    path = tmp_path / "big.jpg"
    path.write_bytes(data)
    source = FileSource(str(path))
    result = extract_metadata(source, LIMIT)
    assert source.bytes_fetched == PREFIX_BYTES == 65536
    assert result["fileSize"] == len(data)
    assert (result["width"], result["height"]) == (800, 600)


def test_falls_back_to_more_when_the_header_exceeds_64k(tmp_path):
    data = images.big_header_jpeg(100_000)
    path = tmp_path / "icc.jpg"
    path.write_bytes(data)
    source = FileSource(str(path))
    result = extract_metadata(source, LIMIT)
    assert (result["width"], result["height"]) == (320, 240)
    assert source.bytes_fetched == len(data)


# ---------------------------------------------------------------------- bad input


def test_zero_bytes(tmp_path):
    with pytest.raises(ImageIdentifyError):
        meta(tmp_path, b"")


def test_text_named_jpg(tmp_path):
    with pytest.raises(ImageIdentifyError):
        meta(tmp_path, b"hello, I am not a photo\n" * 10)


def test_gif_named_jpg_is_a_gif(tmp_path):
    assert meta(tmp_path, images.gif())["format"] == "GIF"


def test_bmp_is_not_supported(tmp_path):
    with pytest.raises(FileTypeNotSupported, match="BMP"):
        meta(tmp_path, images.bmp())


def test_heif_brand_with_garbage_is_a_decode_error(tmp_path):
    with pytest.raises(ImageDecodeError, match="HEIF"):
        meta(tmp_path, b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64)


def test_truncated_header(tmp_path):
    with pytest.raises(ImageDecodeError):
        meta(tmp_path, images.jpeg(exif=images.exif_bytes(make="X"))[:120])


def test_png_declaring_ten_billion_pixels(tmp_path):
    with pytest.raises(ImageTooLarge, match="exceeds the limit"):
        meta(tmp_path, images.png_bomb(), "bomb.png")


def test_pixel_limit_is_configurable(tmp_path):
    data = images.jpeg((100, 100))
    with pytest.raises(ImageTooLarge):
        meta(tmp_path, data, limit=9_999)
    assert meta(tmp_path, data, limit=10_000)["width"] == 100


def test_just_over_pillows_limit_is_refused(tmp_path):
    # between 1x and 2x Pillow's limit Pillow only warns: we refuse anyway
    data = images.png_bomb(10_000, 9_000)
    with pytest.raises(ImageTooLarge):
        meta(tmp_path, data, "x.png")


def test_bytesio_roundtrip_sanity():
    assert Image.open(io.BytesIO(images.png_bomb(3, 2))).size == (3, 2)


# ---------------------------------------------------- the configured limit decides, not Pillow

ABOVE_PILLOW = 200_000_000  # above twice Pillow's default, where it raises on its own


@pytest.mark.parametrize(
    ("name", "data"),
    [("huge.png", images.png_bomb(*images.HUGE)), ("huge.jpg", images.jpeg_claiming(*images.HUGE))],
    ids=["png", "jpeg"],
)
def test_a_limit_above_pillows_own_admits_a_180_mp_header(tmp_path, name, data):
    result = meta(tmp_path, data, name, limit=ABOVE_PILLOW)
    assert (result["width"], result["height"]) == images.HUGE


def test_the_same_180_mp_header_is_refused_by_the_default_limit(tmp_path):
    with pytest.raises(ImageTooLarge, match="exceeds the limit of 89478485"):
        meta(tmp_path, images.png_bomb(*images.HUGE), "huge.png")


def test_pillow_opens_with_the_configured_limit_and_gets_its_own_back(tmp_path, monkeypatch):
    seen: list[int | None] = []
    real_open = Image.open

    def spying_open(*args, **kwargs):
        seen.append(Image.MAX_IMAGE_PIXELS)
        return real_open(*args, **kwargs)

    monkeypatch.setattr(Image, "open", spying_open)
    for other_callers_setting in (12_345, None):
        monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", other_callers_setting)
        meta(tmp_path, images.jpeg((10, 10)), limit=ABOVE_PILLOW)
        with pytest.raises(ImageTooLarge):
            meta(tmp_path, images.png_bomb(), "bomb.png", limit=ABOVE_PILLOW)
        assert other_callers_setting == Image.MAX_IMAGE_PIXELS
    assert seen and set(seen) == {ABOVE_PILLOW}
