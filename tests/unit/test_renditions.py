"""make_renditions: sizes from one decode, successive reductions, the format policy, the
orientation, stripped metadata, the placeholder; and the S3 side (renditions_object)."""

from __future__ import annotations

import io

import blurhash
import pytest
from image_pipeline import renditions as rendering
from image_pipeline.config import RenditionConfig
from image_pipeline.renditions import (
    AUTO,
    DEFAULT_RENDITIONS,
    KEEP,
    WEBP,
    RenditionSpec,
    make_renditions,
    parse_specs,
    rendition_key,
)
from PIL import Image, ImageFile, JpegImagePlugin

from . import images
from .conftest import BUCKET, OWNER


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def assert_stripped(data: bytes) -> None:
    image = opened(data)
    assert "exif" not in image.info and not image.getexif()
    assert "icc_profile" not in image.info and "xmp" not in image.info
    assert b"Exif\x00\x00" not in data


def close(pixel, colour, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


# --------------------------------------------------------------------------- sizes


def test_defaults_are_a_thumbnail_and_a_preview():
    assert DEFAULT_RENDITIONS[0] == RenditionSpec("thumbnail", 250)
    assert DEFAULT_RENDITIONS[1] == RenditionSpec("preview", 1280)
    made = make_renditions(images.encode(images.quadrants((4000, 2000)), "JPEG", quality=90))
    assert [(r.name, r.format, r.width, r.height) for r in made.renditions] == [
        ("thumbnail", "JPEG", 250, 125),
        ("preview", "JPEG", 1280, 640),
    ]
    assert (made.source_format, made.width, made.height) == ("JPEG", 4000, 2000)
    for rendition in made.renditions:
        assert opened(rendition.data).size == (rendition.width, rendition.height)
        assert rendition.content_type == "image/jpeg" and rendition.size == len(rendition.data)


def test_one_decode_at_the_largest_size_then_successive_reductions(monkeypatch):
    drafts, loads, resizes = [], [], []
    real_draft = JpegImagePlugin.JpegImageFile.draft
    real_load = ImageFile.ImageFile.load
    real_resize = Image.Image.resize

    def draft(self, mode, size):
        drafts.append(size)
        return real_draft(self, mode, size)

    def load(self):
        if self.format == "JPEG" and self.tile:  # a load that decodes (later calls are no-ops)
            loads.append(self.size)
        return real_load(self)

    def resize(self, size, *args, **kwargs):
        resizes.append((self.size, size))
        return real_resize(self, size, *args, **kwargs)

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", draft)
    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    monkeypatch.setattr(Image.Image, "resize", resize)
    specs = (RenditionSpec("small", 100), RenditionSpec("big", 1000), RenditionSpec("mid", 400))
    made = make_renditions(images.encode(images.quadrants((6000, 3000)), "JPEG"), specs)
    assert drafts == [(1000, 500)]  # DCT scaling for the largest size asked
    assert loads == [(1500, 750)]  # decoded once, at 1/4
    sizes = [step for step in resizes if max(step[1]) > 32]  # not the hash's or placeholder's
    assert sizes == [
        ((1500, 750), (1000, 500)),
        ((1000, 500), (400, 200)),
        ((400, 200), (100, 50)),
    ]
    assert [r.name for r in made.renditions] == ["small", "big", "mid"]  # as asked


def test_never_upscaled_and_equal_sizes_share_one_encoding():
    made = make_renditions(images.jpeg((64, 48)))
    thumbnail, preview = made.renditions
    assert (thumbnail.width, thumbnail.height) == (preview.width, preview.height) == (64, 48)
    assert thumbnail.data is preview.data


def test_portrait_and_odd_boxes():
    specs = parse_specs("tiny:7, card:333")
    made = make_renditions(images.encode(images.quadrants((900, 2700)), "PNG"), specs)
    assert [(r.width, r.height) for r in made.renditions] == [(2, 7), (111, 333)]


# --------------------------------------------------------------------- orientation


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_applied_once(orientation):
    made = make_renditions(images.oriented_jpeg(orientation, displayed=(800, 400)))
    assert (made.width, made.height) == (800, 400)
    preview = opened(made.named("preview").data)
    assert preview.size == (800, 400)
    w, h = preview.size
    assert close(preview.getpixel((w // 4, h // 4)), images.RED)
    assert close(preview.getpixel((3 * w // 4, h // 4)), images.GREEN)
    assert close(preview.getpixel((w // 4, 3 * h // 4)), images.BLUE)
    assert close(preview.getpixel((3 * w // 4, 3 * h // 4)), images.WHITE)


@pytest.mark.parametrize("fmt", ["WEBP", "AVIF"])
def test_webp_and_avif_orientation(fmt):
    stored = images.quadrants((800, 400)).transpose(images.INVERSE[6])
    data = images.encode(stored, fmt, exif=images.exif_bytes(orientation=6), quality=95)
    preview = opened(make_renditions(data).named("preview").data)
    assert preview.size == (800, 400)
    assert close(preview.getpixel((200, 100)), images.RED)
    assert close(preview.getpixel((600, 300)), images.WHITE)


def test_avif_rotated_by_its_container():
    made = make_renditions(images.fixture("rot1mir0.avif"))
    assert (made.width, made.height) == (640, 427)
    assert [(r.width, r.height) for r in made.renditions] == [(250, 167), (640, 427)]


def test_real_heic_sizes_gps_stripped():
    made = make_renditions(images.fixture("empty_icc.heic"))
    assert (made.source_format, made.width, made.height) == ("HEIF", 1025, 900)
    assert [(r.format, r.width, r.height) for r in made.renditions] == [
        ("JPEG", 250, 220),
        ("JPEG", 1025, 900),
    ]
    for rendition in made.renditions:
        assert_stripped(rendition.data)


# --------------------------------------------------------------------------- policy


TRANSPARENT = {
    "png": lambda: images.encode(half_transparent(), "PNG"),
    "webp": lambda: images.fixture("transparent.webp"),
    "gif": lambda: images.fixture("transparent.gif"),
    "avif": lambda: images.fixture("transparency.avif"),
    "heif": lambda: images.fixture("RGBA_8__29x100.heif"),
    "palette-png": lambda: images.encode(palette_with_transparency(), "PNG", transparency=0),
}


def half_transparent() -> Image.Image:
    image = Image.new("RGBA", (600, 300), (255, 0, 0, 255))
    image.paste((0, 0, 0, 0), (300, 0, 600, 300))
    return image


def palette_with_transparency() -> Image.Image:
    image = Image.new("P", (500, 100), 1)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    image.paste(0, (0, 0, 250, 100))
    return image


@pytest.mark.parametrize("kind", sorted(TRANSPARENT))
def test_transparency_makes_a_png(kind):
    made = make_renditions(TRANSPARENT[kind]())
    assert made.transparent
    for rendition in made.renditions:
        out = opened(rendition.data)
        assert (rendition.format, out.format, rendition.content_type) == ("PNG", "PNG", "image/png")
        assert out.mode == "RGBA" and out.getextrema()[3][0] < 255


@pytest.mark.parametrize(
    "data",
    [
        lambda: images.encode(Image.new("RGBA", (300, 300), (9, 9, 9, 255)), "PNG"),
        lambda: images.fixture("RGB_8__29x100.heif"),
        lambda: images.fixture("hopper.avif"),
        lambda: images.fixture("flower.webp"),
        lambda: images.fixture("dispose_bgnd.gif"),
        lambda: images.encode(Image.new("RGB", (300, 300), (9, 9, 9)), "PNG"),
    ],
    ids=["opaque-rgba-png", "heif", "avif", "webp", "gif", "rgb-png"],
)
def test_photos_and_opaque_images_make_jpegs(data):
    made = make_renditions(data())
    assert not made.transparent
    assert {r.format for r in made.renditions} == {"JPEG"}
    assert opened(made.renditions[0].data).mode in ("RGB", "L")


def test_webp_policy_keeps_alpha_where_there_is_some():
    opaque = make_renditions(images.jpeg((800, 600)), policy=WEBP)
    assert {(r.format, r.content_type) for r in opaque.renditions} == {("WEBP", "image/webp")}
    assert opened(opaque.renditions[0].data).mode == "RGB"
    clear = make_renditions(images.encode(half_transparent(), "PNG"), policy=WEBP)
    out = opened(clear.named("preview").data)
    assert (out.format, out.mode) == ("WEBP", "RGBA")
    assert out.getpixel((10, 10))[3] == 255 and out.getpixel((590, 10))[3] == 0


def test_keep_policy_is_the_thumbnails_behaviour():
    png = images.encode(Image.new("RGB", (300, 300), (9, 9, 9)), "PNG")
    assert make_renditions(png, policy=KEEP).renditions[0].format == "PNG"
    assert make_renditions(png, policy=AUTO).renditions[0].format == "JPEG"
    assert (
        make_renditions(images.fixture("flower.webp"), policy=KEEP).renditions[0].format == "JPEG"
    )


def test_an_unknown_policy():
    with pytest.raises(ValueError, match="policy"):
        make_renditions(images.jpeg(), policy="gif")


# ------------------------------------------------------------------ other sources


def test_animated_gif_renders_its_first_frame():
    source = Image.open(io.BytesIO(images.fixture("dispose_bgnd.gif")))
    assert source.n_frames == 5
    first = source.convert("RGB")
    made = make_renditions(images.fixture("dispose_bgnd.gif"))
    out = opened(made.named("thumbnail").data).convert("RGB")
    assert out.size == first.size == (100, 100)
    assert close(out.getpixel((50, 50)), first.getpixel((50, 50)), 12)


def test_ten_bit_grey_heif_is_scaled_to_eight_bits():
    made = make_renditions(images.fixture("L_10__29x100.heif"))
    out = opened(made.renditions[0].data)
    assert (out.mode, out.size) == ("L", (29, 100))
    assert out.getextrema()[1] > 128  # scaled from 16 bits, not clipped to black or white


def test_exif_gps_icc_xmp_are_stripped_from_every_format():
    exif = images.exif_bytes(make="X", lat=10.0, lon=20.0)
    for data in (
        images.encode(Image.new("RGB", (400, 300), (1, 2, 3)), "WEBP", exif=exif),
        images.encode(Image.new("RGB", (400, 300), (1, 2, 3)), "AVIF", exif=exif),
        images.fixture("L_exif_xmp_iptc.heic"),
        images.fixture("flower.webp"),
    ):
        for rendition in make_renditions(data).renditions:
            assert_stripped(rendition.data)


# ---------------------------------------------------------------------- placeholder


def test_placeholder_is_a_blurhash_of_the_smallest_rendition(monkeypatch):
    seen = []
    real = rendering.blurhash_of

    def spy(image):
        seen.append(image.size)
        return real(image)

    monkeypatch.setattr(rendering, "blurhash_of", spy)
    made = make_renditions(images.encode(images.quadrants((2000, 1000)), "JPEG"))
    assert seen == [(250, 125)]
    assert blurhash.components(made.placeholder) == (4, 3)
    assert 20 <= len(made.placeholder) <= 30


def test_placeholder_colours_and_portrait_components():
    made = make_renditions(images.jpeg((300, 600), color=(200, 30, 30)))
    assert blurhash.components(made.placeholder) == (3, 4)
    pixels = blurhash.decode(made.placeholder, 4, 4)
    assert close(pixels[2][2], (200, 30, 30), 20)


def test_transparent_placeholder_is_over_white():
    made = make_renditions(images.encode(Image.new("RGBA", (64, 64), (0, 0, 0, 0)), "PNG"))
    pixels = blurhash.decode(made.placeholder, 4, 4)
    assert close(pixels[1][1], (255, 255, 255), 8)


def test_placeholder_and_hash_can_be_skipped():
    made = make_renditions(images.jpeg(), placeholder=False, perceptual=False)
    assert made.placeholder is None and made.perceptual_hash is None


# -------------------------------------------------------------------- specs and keys


@pytest.mark.parametrize(
    "text",
    ["", "thumbnail", "a:", ":5", "a:x", "a:5,a:6", "a/b:5", "a:0"],
)
def test_bad_specs(text):
    with pytest.raises(ValueError):
        parse_specs(text)


def test_rendition_keys_live_under_the_owners_folder():
    image_id = f"{OWNER}/Trips/Stockholm 2014.jpg"
    assert rendition_key("Thumbnails/", image_id, "preview") == (
        f"Thumbnails/{OWNER}/preview/Trips/Stockholm 2014.jpg"
    )
    assert rendition_key("T/", "no-owner.jpg", "thumbnail") == "T/thumbnail/no-owner.jpg"


def test_rendition_config(monkeypatch):
    from image_pipeline.config import ConfigError

    config = RenditionConfig.from_env()
    assert (config.renditions, config.policy, config.prefix) == (
        "thumbnail:250,preview:1280",
        "auto",
        "Thumbnails/",
    )
    assert config.formats == {"JPEG", "PNG"}
    monkeypatch.setenv("RENDITIONS", "t:100")
    monkeypatch.setenv("RENDITION_FORMAT", "WebP")
    monkeypatch.setenv("IMAGE_FORMATS", "JPEG,HEIF")
    config = RenditionConfig.from_env()
    assert (config.renditions, config.policy, config.formats) == ("t:100", "webp", {"JPEG", "HEIF"})
    monkeypatch.setenv("RENDITION_FORMAT", "tiff")
    with pytest.raises(ConfigError):
        RenditionConfig.from_env()


# ------------------------------------------------------------------------ S3 side


def test_renditions_object_writes_every_size_and_records_it(s3):
    import hashlib

    from image_pipeline.config import StartConfig
    from image_pipeline.lifecycle import rendition_keys
    from image_pipeline.models import S3Location
    from image_pipeline.thumbnails import renditions_object

    data = images.fixture("empty_icc.heic")
    key = f"Incoming/{OWNER}/Trips/IMG_0001.HEIC"
    version = s3.put_object(Bucket=BUCKET, Key=key, Body=data).get("VersionId")
    config = RenditionConfig(formats=frozenset({"JPEG", "PNG", "HEIF"}))
    image_id = f"{OWNER}/Trips/IMG_0001.HEIC"
    result = renditions_object(S3Location(BUCKET, key, version), image_id, config)
    assert result["contentHash"] == "sha256:" + hashlib.sha256(data).hexdigest()
    assert result["perceptualHash"].startswith("phash:") and len(result["perceptualHash"]) == 22
    assert result["colourProfile"] == "Display P3" and result["transparent"] is False
    assert blurhash.components(result["placeholder"]) == (4, 3)
    records = result["renditions"]
    assert [(r["name"], r["s3Key"], r["format"], r["width"], r["height"]) for r in records] == [
        ("thumbnail", f"Thumbnails/{OWNER}/thumbnail/Trips/IMG_0001.HEIC", "JPEG", 250, 220),
        ("preview", f"Thumbnails/{OWNER}/preview/Trips/IMG_0001.HEIC", "JPEG", 1025, 900),
    ]
    for record in records:
        stored = s3.get_object(Bucket=BUCKET, Key=record["s3Key"])
        body = stored["Body"].read()
        assert stored["ContentType"] == record["contentType"] == "image/jpeg"
        assert len(body) == record["bytes"]
    # Deleting the photo removes them: lifecycle already reads the item's renditions list.
    start = StartConfig(table_name="t", state_machine_arn="arn", incoming_prefix="Incoming/")
    keys = rendition_keys(start, image_id, {"renditions": records})
    assert {r["s3Key"] for r in records} < set(keys)


def test_renditions_object_refuses_a_format_not_accepted(s3):
    from image_pipeline.errors import FileTypeNotSupported
    from image_pipeline.models import S3Location
    from image_pipeline.thumbnails import renditions_object

    s3.put_object(Bucket=BUCKET, Key="Incoming/u/a.heic", Body=images.fixture("empty_icc.heic"))
    with pytest.raises(FileTypeNotSupported, match="HEIF"):
        renditions_object(S3Location(BUCKET, "Incoming/u/a.heic"), "u/a.heic", RenditionConfig())
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix="Thumbnails/")["KeyCount"] == 0
