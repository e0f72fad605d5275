"""HEIF/HEIC, AVIF, WebP and GIF: identified, their metadata read, bad files named, and which
formats are accepted (the library's, a deployment's IMAGE_FORMATS, the CLI's report)."""

from __future__ import annotations

import json

import pytest
from image_pipeline import cli
from image_pipeline.config import (
    DEFAULT_ACCEPTED_FORMATS,
    LIBRARY_FORMATS,
    ConfigError,
    ImageLimits,
)
from image_pipeline.errors import (
    FileTypeNotSupported,
    ImageDecodeError,
    ImageIdentifyError,
    ImageTooLarge,
)
from image_pipeline.imaging import ALL_FORMATS, HEIF_DECODER, extract_metadata, sniff
from image_pipeline.renditions import make_renditions
from image_pipeline.sources import PREFIX_BYTES, FileSource
from PIL import Image

from . import images

LIMIT = 89_478_485


def meta(tmp_path, data: bytes, name: str = "photo", **kwargs):
    path = tmp_path / name
    path.write_bytes(data)
    return extract_metadata(FileSource(str(path)), LIMIT, **kwargs)


def meta_of(tmp_path, fixture: str, **kwargs):
    return meta(tmp_path, images.fixture(fixture), fixture, **kwargs)


def test_the_library_and_the_config_agree_on_the_formats():
    assert ALL_FORMATS == LIBRARY_FORMATS == {"JPEG", "PNG", "HEIF", "AVIF", "WEBP", "GIF"}
    assert HEIF_DECODER == "pillow-heif 1.8.1"  # the layer's pin (lambda_src/requirements.txt)


@pytest.mark.parametrize(
    ("fixture", "claimed"),
    [
        ("empty_icc.heic", "HEIF"),
        ("RGB_8__29x100.heif", "HEIF"),
        ("hopper.avif", "AVIF"),
        ("flower.webp", "WEBP"),
        ("dispose_bgnd.gif", "GIF"),
        ("flower.jpg", "JPEG"),
        ("1_trns.png", "PNG"),
    ],
)
def test_sniff_names_the_container(fixture, claimed):
    assert sniff(images.fixture(fixture)[:64]) == claimed


# -------------------------------------------------------------------- real metadata


def test_iphone_heic_camera_time_gps(tmp_path):
    assert meta_of(tmp_path, "empty_icc.heic") == {
        "format": "HEIF",
        "width": 1025,
        "height": 900,
        "fileSize": 156055,
        "exifMake": "Apple",
        "exifModel": "iPhone XS",
        "creationTime": "2021-07-06T16:08:14+03:00",
        "geo": {"latitude": 46.754703, "longitude": 33.336106},
    }


def test_sony_heic_without_gps(tmp_path):
    result = meta_of(tmp_path, "L_exif_xmp_iptc.heic")
    assert (result["format"], result["width"], result["height"]) == ("HEIF", 64, 64)
    assert (result["exifMake"], result["exifModel"]) == ("SONY", "ILCE-7SM3")
    assert result["creationTime"] == "2020-09-14T11:09:34-05:00"
    assert "geo" not in result


def test_heif_reads_the_whole_file_its_exif_may_follow_the_image(tmp_path):
    data = images.fixture("empty_icc.heic")
    assert len(data) > PREFIX_BYTES
    path = tmp_path / "p.heic"
    path.write_bytes(data)
    source = FileSource(str(path))
    extract_metadata(source, LIMIT)
    assert source.bytes_fetched == len(data)


@pytest.mark.parametrize(
    ("fixture", "size"),
    [
        ("RGB_8__29x100.heif", (29, 100)),
        ("RGBA_8__29x100.heif", (29, 100)),
        ("L_10__29x100.heif", (29, 100)),
        ("hopper.avif", (128, 128)),
        ("transparency.avif", (64, 64)),
        ("icc_profile.avif", (57, 57)),
        ("transparent.webp", (200, 150)),
        ("transparent.gif", (200, 150)),
        ("dispose_bgnd.gif", (100, 100)),
    ],
)
def test_dimensions_without_exif(tmp_path, fixture, size):
    result = meta_of(tmp_path, fixture)
    assert (result["width"], result["height"]) == size
    assert not {"exifMake", "exifModel", "creationTime", "geo", "orientation"} & result.keys()


def test_avif_rotated_by_its_container_is_displayed_landscape(tmp_path):
    # Stored 427x640 with irot/imir; Pillow turns them into EXIF orientation 5.
    result = meta_of(tmp_path, "rot1mir0.avif")
    assert (result["width"], result["height"], result["orientation"]) == (640, 427, 5)


def test_avif_with_exif(tmp_path):
    result = meta_of(tmp_path, "exif.avif")
    assert (result["format"], result["width"], result["height"]) == ("AVIF", 512, 512)


def test_webp_with_canon_exif(tmp_path):
    result = meta_of(tmp_path, "flower.webp")
    assert (result["format"], result["width"], result["height"]) == ("WEBP", 480, 360)
    assert (result["exifMake"], result["exifModel"]) == ("Canon", "Canon PowerShot S40")
    assert result["creationTime"] == "2003-12-14T12:01:44"


def test_webp_orientation_6_is_displayed_swapped(tmp_path):
    data = images.encode(
        images.quadrants((400, 200)).transpose(images.INVERSE[6]),
        "WEBP",
        exif=images.exif_bytes(orientation=6),
    )
    result = meta(tmp_path, data)
    assert (result["width"], result["height"], result["orientation"]) == (400, 200, 6)
    assert meta_of(tmp_path, "hopper_orientation_6.webp")["orientation"] == 6


def test_animated_gif_is_its_first_frame(tmp_path):
    result = meta_of(tmp_path, "dispose_bgnd.gif")
    assert result == {"format": "GIF", "width": 100, "height": 100, "fileSize": 1450}


@pytest.mark.parametrize("fmt", ["WEBP", "AVIF"])
def test_generated_exif_of_every_kind(tmp_path, fmt):
    exif = images.exif_bytes(
        orientation=8, make="Pixel", model="7a", taken="2026:05:17 09:30:00", lat=-33.86, lon=151.2
    )
    data = images.encode(Image.new("RGB", (60, 40), (90, 90, 90)), fmt, exif=exif)
    result = meta(tmp_path, data)
    assert result["format"] == fmt
    assert (result["width"], result["height"], result["orientation"]) == (40, 60, 8)
    assert (result["exifMake"], result["exifModel"]) == ("Pixel", "7a")
    assert result["creationTime"] == "2026-05-17T09:30:00"
    assert result["geo"] == pytest.approx({"latitude": -33.86, "longitude": 151.2}, abs=1e-4)


def test_heif_orientation_is_reported_and_not_applied_twice(tmp_path, monkeypatch):
    # libheif has rotated the pixels already; the plugin keeps the recorded orientation apart.
    from PIL import Image as PILImage

    real_open = PILImage.open

    def recorded(fp, *args, **kwargs):
        image = real_open(fp, *args, **kwargs)
        if image.format == "HEIF":
            image.info["original_orientation"] = 6
        return image

    monkeypatch.setattr(PILImage, "open", recorded)
    result = meta_of(tmp_path, "RGB_8__29x100.heif")
    assert (result["width"], result["height"], result["orientation"]) == (29, 100, 6)


# ------------------------------------------------------------------------ bad files

FORMATS = {
    "heic": "empty_icc.heic",
    "avif": "exif.avif",
    "webp": "flower.webp",
    "gif": "transparent.gif",
}


@pytest.mark.parametrize("kind", sorted(FORMATS))
@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9])
def test_truncated_files_are_decode_errors(tmp_path, kind, fraction):
    data = images.fixture(FORMATS[kind])
    cut = data[: int(len(data) * fraction)]
    with pytest.raises(ImageDecodeError):
        make_renditions(cut, max_pixels=LIMIT)


@pytest.mark.parametrize("kind", ["heic", "avif"])
@pytest.mark.parametrize("fraction", [0.1, 0.5])
def test_truncated_containers_fail_metadata_too(tmp_path, kind, fraction):
    data = images.fixture(FORMATS[kind])
    with pytest.raises(ImageDecodeError):
        meta(tmp_path, data[: int(len(data) * fraction)])


def test_truncated_heif_image_data_fails_only_when_decoded(tmp_path):
    data = images.fixture("RGB_8__29x100.heif")
    cut = data[: len(data) // 2]  # the boxes are intact, the coded image is not
    assert meta(tmp_path, cut)["format"] == "HEIF"
    with pytest.raises(ImageDecodeError, match="corrupt or truncated"):
        make_renditions(cut, max_pixels=LIMIT)


def test_corrupt_heic_from_the_pillow_heif_tests(tmp_path):
    with pytest.raises(ImageDecodeError, match="HEIF header is corrupt"):
        meta_of(tmp_path, "corrupted.heic")
    with pytest.raises(ImageDecodeError):
        make_renditions(images.fixture("corrupted.heic"), max_pixels=LIMIT)


@pytest.mark.parametrize("kind", ["webp", "gif"])
def test_corrupt_image_data(kind):
    with pytest.raises(ImageDecodeError):
        make_renditions(images.corrupt_middle(images.fixture(FORMATS[kind])), max_pixels=LIMIT)


def test_heic_brand_with_nothing_behind_it(tmp_path):
    with pytest.raises(ImageDecodeError, match="HEIF"):
        meta(tmp_path, b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic")


OVERSIZED = {
    "heic": lambda: images.claiming_ispe(images.fixture("RGB_8__29x100.heif"), 12_000, 15_000),
    "heic-9k": lambda: images.claiming_ispe(images.fixture("empty_icc.heic"), 10_000, 9_000),
    "avif": lambda: images.claiming_ispe(images.fixture("hopper.avif"), 12_000, 15_000),
    "avif-9k": lambda: images.claiming_ispe(images.fixture("hopper.avif"), 10_000, 9_000),
    "webp": lambda: images.webp_claiming(images.fixture("flower.webp"), 16_384, 16_384),
    "gif": lambda: images.gif_claiming(images.fixture("transparent.gif"), 65_535, 65_535),
    "gif-9k": lambda: images.gif_claiming(images.fixture("transparent.gif"), 10_000, 9_000),
}


@pytest.mark.parametrize("kind", sorted(OVERSIZED))
def test_oversized_pixel_counts_are_refused_before_decoding(tmp_path, kind):
    data = OVERSIZED[kind]()
    with pytest.raises(ImageTooLarge, match="exceeds the limit of 89478485 pixels"):
        meta(tmp_path, data)
    with pytest.raises(ImageTooLarge):
        make_renditions(data, max_pixels=LIMIT)


def test_a_configured_limit_refuses_a_small_heic(tmp_path):
    path = tmp_path / "p.heic"
    path.write_bytes(images.fixture("empty_icc.heic"))
    with pytest.raises(ImageTooLarge, match="1025x900"):
        extract_metadata(FileSource(str(path)), 1025 * 900 - 1)


def test_a_claim_with_nothing_behind_it_is_a_decode_error_not_an_identify_error(tmp_path):
    with pytest.raises(ImageDecodeError, match="WEBP header"):
        meta(tmp_path, b"RIFF\x00\x00\x00\x00WEBP")
    with pytest.raises(ImageDecodeError, match="GIF header"):
        meta(tmp_path, b"GIF89a\x01")
    with pytest.raises(ImageIdentifyError):
        meta(tmp_path, b"RIFF\x00\x00\x00\x00WAVEfmt ")


# --------------------------------------------------------------- which are accepted


def test_a_deployment_accepts_jpeg_and_png_unless_told(monkeypatch):
    monkeypatch.delenv("IMAGE_FORMATS", raising=False)
    assert ImageLimits.from_env().formats == DEFAULT_ACCEPTED_FORMATS == {"JPEG", "PNG"}
    monkeypatch.setenv("IMAGE_FORMATS", "jpeg, png,HEIF ,webp")
    assert ImageLimits.from_env().formats == {"JPEG", "PNG", "HEIF", "WEBP"}
    monkeypatch.setenv("IMAGE_FORMATS", "JPEG,TIFF")
    with pytest.raises(ConfigError, match="TIFF"):
        ImageLimits.from_env()


@pytest.mark.parametrize("fixture", ["empty_icc.heic", "hopper.avif", "flower.webp"])
def test_a_format_outside_the_accepted_set_is_not_supported(tmp_path, fixture):
    with pytest.raises(FileTypeNotSupported, match=r"not supported; use JPEG, PNG"):
        meta_of(tmp_path, fixture, formats=DEFAULT_ACCEPTED_FORMATS)
    with pytest.raises(FileTypeNotSupported):
        make_renditions(images.fixture(fixture), formats=DEFAULT_ACCEPTED_FORMATS)


def test_gif_refused_by_name(tmp_path):
    with pytest.raises(FileTypeNotSupported, match=r"^GIF images are not supported"):
        meta(tmp_path, images.gif(), formats=frozenset({"JPEG"}))


def test_the_extract_metadata_handler_follows_image_formats(s3, lambda_context, monkeypatch):
    from image_pipeline.handlers import extract_metadata as handler

    from .conftest import BUCKET

    s3.put_object(Bucket=BUCKET, Key="Incoming/u/a.webp", Body=images.fixture("flower.webp"))
    event = {"s3Bucket": BUCKET, "s3Key": "Incoming/u/a.webp"}
    with pytest.raises(FileTypeNotSupported, match="WEBP"):
        handler.handler(event, lambda_context)
    monkeypatch.setenv("IMAGE_FORMATS", "JPEG,PNG,WEBP")
    assert handler.handler(event, lambda_context)["format"] == "WEBP"


# ----------------------------------------------------------------------------- CLI


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("fmt", "params"),
    [("BMP", {}), ("TIFF", {}), ("ICO", {}), ("PPM", {}), ("JPEG2000", {})],
)
def test_cli_reports_formats_the_pipeline_refuses(tmp_path, capsys, fmt, params):
    path = tmp_path / f"image.{fmt.lower()}"
    path.write_bytes(images.encode(Image.new("RGB", (48, 32), (5, 6, 7)), fmt, **params))
    code, out, err = run_cli(capsys, "metadata", str(path))
    assert code == cli.EXIT_BAD_INPUT
    reported = json.loads(out)
    assert reported["supported"] is False
    assert reported["format"] == fmt
    assert (reported["width"], reported["height"]) == (48, 32) or fmt == "ICO"
    assert json.loads(err.strip().splitlines()[-1])["error"] == "FileTypeNotSupported"


@pytest.mark.parametrize(
    ("fixture", "fmt"),
    [
        ("empty_icc.heic", "HEIF"),
        ("hopper.avif", "AVIF"),
        ("flower.webp", "WEBP"),
        ("dispose_bgnd.gif", "GIF"),
    ],
)
def test_cli_metadata_of_the_new_formats(capsys, fixture, fmt):
    code, out, _err = run_cli(capsys, "metadata", str(images.FIXTURES / fixture))
    assert code == 0
    reported = json.loads(out)
    assert reported["format"] == fmt and "supported" not in reported


def test_cli_thumbnail_of_a_heic(tmp_path, capsys):
    out_path = tmp_path / "t.jpg"
    code, out, _err = run_cli(
        capsys, "thumbnail", str(images.FIXTURES / "empty_icc.heic"), str(out_path)
    )
    assert code == 0
    assert json.loads(out) == {"format": "JPEG", "width": 250, "height": 220, "path": str(out_path)}
    with Image.open(out_path) as image:
        assert image.format == "JPEG" and "icc_profile" not in image.info


def test_a_heic_in_s3_is_read_whole_after_its_prefix(s3, lambda_context, monkeypatch):
    from image_pipeline.handlers import extract_metadata as handler
    from image_pipeline.handlers import generate_thumbnail

    from .conftest import BUCKET, OWNER

    data = images.fixture("empty_icc.heic")
    key = f"Incoming/{OWNER}/IMG_0001.HEIC"
    s3.put_object(Bucket=BUCKET, Key=key, Body=data)
    monkeypatch.setenv("IMAGE_FORMATS", "JPEG,PNG,HEIF,AVIF,WEBP,GIF")
    event = {"s3Bucket": BUCKET, "s3Key": key, "imageID": key.removeprefix("Incoming/")}
    result = handler.handler(event, lambda_context)
    assert (result["format"], result["fileSize"], result["exifModel"]) == (
        "HEIF",
        len(data),
        "iPhone XS",
    )
    thumb = generate_thumbnail.handler(event, lambda_context)
    assert (thumb["width"], thumb["height"]) == (250, 220)
    stored = s3.get_object(Bucket=BUCKET, Key=thumb["s3Key"])
    assert stored["ContentType"] == "image/jpeg"
