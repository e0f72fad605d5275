locals {
  # Memory of each function when functions.memory_size and its override are null: measured by
  # `make bench` (tools/bench_functions.py; docs/cost.md has the numbers). Lambda's CPU grows
  # with memory up to one vCPU at 1,769 MB, so below that a CPU-bound step costs the same
  # GB-seconds at any size: image steps get room for the largest image (peak RSS 172 MiB for a
  # 20 MP PNG, the largest noisy PNG under max_object_bytes) and speed; steps that only move
  # fields (peak RSS under 50 MiB) get the minimum.
  measured_memory_sizes = {
    extract_metadata   = 256  # 64 KiB ranged read: 54 MiB peak, <= 25 ms warm on one core; HEIF/AVIF read whole (<= max_object_bytes)
    transform_metadata = 128  # fields only: 16 MiB peak
    detect_labels      = 1024 # the fallback rendition decodes the image: up to 203 MiB (PNG)
    generate_thumbnail = 1024 # 48 MP JPEG 72 MiB / ~145 ms, 20 MP PNG 172 MiB / ~340 ms; 12 MP HEIC 136 MiB / ~1.1 s, WebP 221 MiB (full decodes)
    store_metadata     = 128  # one UpdateItem: 48 MiB peak
    record_failure     = 128  # one UpdateItem: 48 MiB peak
    record_terminal    = 128  # one UpdateItem, like record_failure
    describe_execution = 512  # not measured (the web app waits on it): unchanged
    reprocess          = 512  # not measured (the web app waits on it): unchanged
    backfill_object    = 512  # not measured: unchanged
  }

  # An override wins, then functions.memory_size (every function), then the measured default.
  memory_sizes = {
    for k in local.function_keys : k => coalesce(
      try(var.functions.overrides[k].memory_size, null),
      var.functions.memory_size,
      local.measured_memory_sizes[k],
    )
  }
}
