#!/usr/bin/env python3
"""Thumbnail, metadata and cold-start benchmarks, with their baselines measured in the same run.

`make bench` runs this. It prints markdown tables and writes them to build/bench/results.md.

- Thumbnails: the library's own ``image_pipeline.imaging.make_thumbnail`` (the thumbnail
  alone) and ``image_pipeline.renditions.make_renditions`` (thumbnail and preview, what the
  generate_thumbnail Lambda runs) in a child process, against a naive Pillow full decode +
  resize, a bare Pillow full decode, ``gm convert -thumbnail 250x250`` (GraphicsMagick, the
  original's approach) and, for a JPEG, the floors: a bare 1/8-scale decode (Pillow's
  ``Image.draft`` and ``djpeg -scale 1/8``). JPEGs, a PNG, a 12 MP HEIC and a 12 MP WebP.
  Every tool is one child process; its start-up is the same command on a 16x16 image of the
  same format, run just before it in each round and subtracted (median of the per-round
  differences). Peak RSS is the child's own max RSS as GNU time reports it; CPU time
  (user+sys) is shown beside wall time.
- Metadata: ``image_pipeline.imaging.extract_metadata`` over ``S3Source`` (what the
  extract_metadata Lambda calls) against moto in-process; bytes returned by GetObject are
  counted by wrapping each response body from a botocore event hook.
- Cold start: a fresh interpreter importing each handler, minus a bare interpreter run just
  before it in each round.
- Functions: each state machine function's handler on its real work (bench_functions), in a
  child against a moto server: peak RSS of the whole process and warm duration on one core,
  and that duration at the function's default memory (Lambda's CPU share), which is how
  modules/pipeline/memory.tf's defaults were chosen.

Test images are generated once (smooth gradients plus per-pixel Gaussian noise, camera-like
EXIF with a 40 KiB maker note) and cached under build/bench/. Goals are printed with PASS/MISS;
a MISS never fails the run.

Modules, beside this entry point: bench_setup (paths, external tools), bench_images (test
images), bench_measure (one child's time and peak RSS, paired rounds), bench_thumbnails (the
contenders), bench_metadata, bench_imports (cold start) and bench_report (tables and goals).
"""

from __future__ import annotations

import argparse
import sys
import time

from bench_functions import MEMORY_TF, bench_functions, default_memory, save
from bench_functions import table as functions_table
from bench_images import format_cases, images
from bench_imports import bench_imports
from bench_metadata import bench_metadata
from bench_report import report
from bench_setup import OUT, ROOT, ensure_tools
from bench_thumbnails import bench_thumbnails


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7, help="runs per measurement (median)")
    args = parser.parse_args(argv)
    ensure_tools()
    began = time.perf_counter()
    cases, extra, tiny = images()
    thumbs = bench_thumbnails(cases + format_cases(), tiny, args.repeats)
    print("bench: metadata against moto", file=sys.stderr)
    metadata = bench_metadata(cases + extra)
    print("bench: handler imports", file=sys.stderr)
    imports = bench_imports(max(args.repeats, 7))
    print("bench: each function on its real work", file=sys.stderr)
    functions = bench_functions(cases)
    save(functions, OUT / "functions.json")
    text = report(thumbs, metadata, imports, args.repeats)
    text += (
        "\n\n## Functions: peak RSS and duration on their real work\n\n"
        f"Memory: the defaults of {MEMORY_TF.relative_to(ROOT)}; at that memory: the one-core "
        "duration x max(1, 1769 / memory); of timeout: of the 30 s default.\n\n"
        + functions_table(functions, default_memory())
    )
    (OUT / "results.md").write_text(text + "\n")
    print(text)
    print(
        f"\n(written to {(OUT / 'results.md').relative_to(ROOT)}; took "
        f"{time.perf_counter() - began:.0f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
