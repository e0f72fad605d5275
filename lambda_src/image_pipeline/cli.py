"""``image-pipeline``: the Lambdas' library on local files.

    image-pipeline metadata FILE
    image-pipeline thumbnail FILE OUT [--size N]
    image-pipeline renditions FILE OUTDIR [--renditions NAME:PX,...] [--format auto|webp]
    image-pipeline reprocess --env-dir DIR (--key KEY | --prefix PREFIX | --all) [--timeout S]

Bad input exits with status 2; the last line of stderr is ``{"error": NAME, "cause": TEXT}``.
``metadata`` of an image the pipeline refuses (any format Pillow identifies: TIFF, BMP...)
still prints its metadata, ``format`` as Pillow names it and ``"supported": false``, then
exits 2 with ``FileTypeNotSupported``.
``reprocess`` runs objects of a deployed environment (DIR's ``terraform output -json``) through
its state machine again, waits, and prints ``{"started", "succeeded", "failed", ...}``; it
exits 0 when none failed (1 otherwise).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from image_pipeline.config import (
    DEFAULT_RENDITIONS,
    DEFAULT_THUMBNAIL_SIZE,
    RENDITION_FORMATS,
    ImageLimits,
)
from image_pipeline.errors import (
    FileTypeNotSupported,
    ImageDecodeError,
    ImageIdentifyError,
    PipelineError,
)

EXIT_BAD_INPUT = 2
CLI_KEYS = ("exifMake", "exifModel", "creationTime", "geo")


def _fail(name: str, cause: str) -> int:
    sys.stderr.write(json.dumps({"error": name, "cause": cause}, ensure_ascii=False) + "\n")
    sys.stderr.flush()
    return EXIT_BAD_INPUT


def _regular_file(path: str) -> None:
    """Refuse directories, FIFOs and devices up front: reading them could block forever."""
    if not os.path.exists(path):
        raise FileNotFoundError(2, "No such file", path)
    if not os.path.isfile(path):
        raise ImageIdentifyError(f"{path} is not a regular file")


def _metadata(path: str) -> dict[str, Any]:
    from image_pipeline.imaging import extract_metadata
    from image_pipeline.sources import FileSource

    _regular_file(path)
    raw = extract_metadata(
        FileSource(path), ImageLimits.from_env().max_image_pixels, refuse_unsupported=False
    )
    result: dict[str, Any] = {key: raw[key] for key in ("format", "width", "height", "fileSize")}
    for key in CLI_KEYS:
        result[key] = raw.get(key)
    for key in ("orientation", "supported"):
        if key in raw:
            result[key] = raw[key]
    return result


def _thumbnail(path: str, out: str, size: int) -> dict[str, Any]:
    from image_pipeline.imaging import make_thumbnail

    _regular_file(path)
    with open(path, "rb") as fh:
        data = fh.read()
    thumb = make_thumbnail(data, size, ImageLimits.from_env().max_image_pixels)
    tmp = f"{out}.tmp{os.getpid()}"
    with open(tmp, "wb") as fh:
        fh.write(thumb.data)
    os.replace(tmp, out)
    return {"format": thumb.format, "width": thumb.width, "height": thumb.height, "path": out}


_EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}


def _renditions(path: str, out_dir: str, specs: str, policy: str) -> dict[str, Any]:
    from image_pipeline.hashing import content_hash_of_file
    from image_pipeline.renditions import make_renditions, parse_specs

    _regular_file(path)
    try:
        parsed = parse_specs(specs)
    except ValueError as exc:
        raise _UsageError(str(exc)) from exc
    with open(path, "rb") as fh:
        digest = content_hash_of_file(fh)
        fh.seek(0)
        data = fh.read()
    made = make_renditions(data, parsed, ImageLimits.from_env().max_image_pixels, policy=policy)
    os.makedirs(out_dir, exist_ok=True)
    written = []
    for rendition in made.renditions:
        out = os.path.join(out_dir, rendition.name + _EXTENSIONS[rendition.format])
        tmp = f"{out}.tmp{os.getpid()}"
        with open(tmp, "wb") as fh:
            fh.write(rendition.data)
        os.replace(tmp, out)
        written.append(
            {
                "name": rendition.name,
                "format": rendition.format,
                "width": rendition.width,
                "height": rendition.height,
                "bytes": rendition.size,
                "path": out,
            }
        )
    return {
        "format": made.source_format,
        "width": made.width,
        "height": made.height,
        "contentHash": digest,
        "perceptualHash": made.perceptual_hash,
        "placeholder": made.placeholder,
        "transparent": made.transparent,
        "colourProfile": made.colour_profile,
        "renditions": written,
    }


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.exit(_fail("UsageError", message))


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="image-pipeline", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    meta = commands.add_parser("metadata", help="print the extracted metadata as JSON")
    meta.add_argument("file")
    thumb = commands.add_parser("thumbnail", help="write a thumbnail")
    thumb.add_argument("file")
    thumb.add_argument("out")
    thumb.add_argument("--size", type=int, default=DEFAULT_THUMBNAIL_SIZE)
    sizes = commands.add_parser("renditions", help="write every rendition, print the hashes")
    sizes.add_argument("file")
    sizes.add_argument("out_dir")
    sizes.add_argument("--renditions", default=DEFAULT_RENDITIONS, help="NAME:PX,...")
    sizes.add_argument("--format", choices=RENDITION_FORMATS, default="auto")
    again = commands.add_parser("reprocess", help="run photos of an environment again")
    again.add_argument("--env-dir", required=True, help="the environment's Terraform directory")
    which = again.add_mutually_exclusive_group(required=True)
    which.add_argument("--key", help="one object key (under the incoming prefix)")
    which.add_argument("--prefix", help="every object under this key prefix")
    which.add_argument("--all", action="store_true", help="every object under the prefix")
    again.add_argument("--incoming-prefix", default="Incoming/")
    again.add_argument("--timeout", type=float, default=900.0, help="seconds to wait in all")
    again.add_argument("--terraform", default="terraform", help="the Terraform CLI to run")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "reprocess":
        from image_pipeline.reprocess_cli import reprocess

        try:
            summary = reprocess(args)
        except PipelineError as exc:
            return _fail(exc.name, exc.cause)
        print(json.dumps(summary, ensure_ascii=False))
        return 0 if summary["failed"] == 0 and summary["pending"] == 0 else 1
    try:
        if args.command == "metadata":
            result = _metadata(args.file)
            print(json.dumps(result, ensure_ascii=False))
            if result.get("supported") is False:  # reported, and still refused
                sys.stdout.flush()
                return _fail(
                    FileTypeNotSupported.__name__,
                    f"{result['format']} images are not supported by the pipeline",
                )
        elif args.command == "renditions":
            result = _renditions(args.file, args.out_dir, args.renditions, args.format)
            print(json.dumps(result, ensure_ascii=False))
        else:
            if args.size < 1:
                return _fail("ValueError", "--size must be a positive number of pixels")
            print(json.dumps(_thumbnail(args.file, args.out, args.size), ensure_ascii=False))
    except PipelineError as exc:
        return _fail(exc.name, exc.cause)
    except _UsageError as exc:
        return _fail("UsageError", str(exc))
    except FileNotFoundError as exc:
        return _fail(ImageIdentifyError.__name__, f"No such file: {exc.filename}")
    except (IsADirectoryError, PermissionError) as exc:
        return _fail(ImageIdentifyError.__name__, f"Cannot read {exc.filename}: {exc.strerror}")
    except MemoryError:
        return _fail("ImageTooLarge", "Not enough memory to process the image")
    except Exception as exc:  # never a traceback: whatever broke, the input could not be read
        return _fail(ImageDecodeError.__name__, f"Unexpected {type(exc).__name__}: {exc}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
