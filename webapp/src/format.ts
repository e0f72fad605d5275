// Display formatting: sizes, dates, GPS, tags.

const UNITS = ["B", "KB", "MB", "GB", "TB"];

/** Bytes in decimal units (1 KB = 1000 B), as file browsers show them: "1.58 MB". */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes) || bytes < 0) return "unknown size";
  if (bytes < 1000) return `${Math.round(bytes)} B`;
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < UNITS.length - 1) {
    v /= 1000;
    i++;
  }
  // Rounding may carry into the next unit (999.96 KB -> "1000 KB"): step up instead.
  if (Number(v.toPrecision(3)) >= 1000 && i < UNITS.length - 1) {
    v /= 1000;
    i++;
  }
  const digits = v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return `${v.toFixed(digits)} ${UNITS[i]}`;
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, "0");
}

/** Epoch milliseconds as "YYYY-MM-DD HH:MM" in the given zone ("local" or "UTC"). */
export function formatEpochMs(ms: number | null | undefined, zone: "local" | "UTC" = "local"): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "unknown";
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return "unknown";
  const u = zone === "UTC";
  const y = u ? d.getUTCFullYear() : d.getFullYear();
  const mo = (u ? d.getUTCMonth() : d.getMonth()) + 1;
  const da = u ? d.getUTCDate() : d.getDate();
  const h = u ? d.getUTCHours() : d.getHours();
  const mi = u ? d.getUTCMinutes() : d.getMinutes();
  return `${y}-${pad(mo)}-${pad(da)} ${pad(h)}:${pad(mi)}${u ? " UTC" : ""}`;
}

/**
 * A capture time (ISO-8601 from EXIF DateTimeOriginal). EXIF times are wall-clock times with
 * usually no zone: shown as written, never shifted to the viewer's zone. An offset, when
 * present, is kept. Also accepts EXIF's own "YYYY:MM:DD HH:MM:SS".
 */
export function formatCaptureTime(value: string | null | undefined): string | null {
  if (!value) return null;
  const m = /^(\d{4})[-:](\d{2})[-:](\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(
    value.trim(),
  );
  if (!m) return value.trim() || null;
  const [, y, mo, d, h, mi, s, off] = m;
  let out = `${y}-${mo}-${d}`;
  if (h !== undefined) out += ` ${h}:${mi}${s !== undefined ? `:${s}` : ""}`;
  if (off) out += off === "Z" ? " UTC" : ` ${off}`;
  return out;
}

export interface Geo {
  latitude: number;
  longitude: number;
}

function toNumber(v: unknown): number | null {
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v === "string" && v.trim() !== "") {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/** A valid {latitude, longitude} pair in decimal degrees, or null. */
export function parseGeo(geo: unknown): Geo | null {
  if (!geo || typeof geo !== "object") return null;
  const g = geo as Record<string, unknown>;
  const lat = toNumber(g.latitude);
  const lon = toNumber(g.longitude);
  if (lat === null || lon === null) return null;
  if (lat < -90 || lat > 90 || lon < -180 || lon > 180) return null;
  return { latitude: lat, longitude: lon };
}

/** "48.85837° N, 2.29448° E" (5 decimals, about a metre). */
export function formatGeo(geo: Geo): string {
  const lat = `${Math.abs(geo.latitude).toFixed(5)}° ${geo.latitude < 0 ? "S" : "N"}`;
  const lon = `${Math.abs(geo.longitude).toFixed(5)}° ${geo.longitude < 0 ? "W" : "E"}`;
  return `${lat}, ${lon}`;
}

/** OpenStreetMap link with a marker at the point. */
export function osmUrl(geo: Geo, zoom = 15): string {
  const lat = geo.latitude.toFixed(6);
  const lon = geo.longitude.toFixed(6);
  return `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=${zoom}/${lat}/${lon}`;
}

export interface Tag {
  name: string;
  confidence: number | null;
}

/** Tags as stored ([{name, confidence}]); also accepts the sample's plain strings. Highest first. */
export function normalizeTags(tags: unknown): Tag[] {
  if (!Array.isArray(tags)) return [];
  const out: Tag[] = [];
  for (const t of tags) {
    if (typeof t === "string" && t.trim() !== "") out.push({ name: t.trim(), confidence: null });
    else if (t && typeof t === "object" && typeof (t as Tag).name === "string") {
      out.push({ name: (t as Tag).name, confidence: toNumber((t as Tag).confidence) });
    }
  }
  return out.sort((a, b) => (b.confidence ?? -1) - (a.confidence ?? -1));
}

export function formatTag(tag: Tag): string {
  return tag.confidence === null ? tag.name : `${tag.name} ${Math.round(tag.confidence)}%`;
}

export function formatDimensions(dim: unknown): string | null {
  if (!dim || typeof dim !== "object") return null;
  const w = toNumber((dim as Record<string, unknown>).width);
  const h = toNumber((dim as Record<string, unknown>).height);
  if (w === null || h === null) return null;
  return `${w} × ${h}`;
}

/** "Canon EOS 5D" from make "Canon" and model "Canon EOS 5D" (no repeated make). */
export function formatCamera(make?: string | null, model?: string | null): string | null {
  const mk = (make ?? "").trim();
  const md = (model ?? "").trim();
  if (!mk && !md) return null;
  if (!mk) return md;
  if (!md) return mk;
  return md.toLowerCase().startsWith(mk.toLowerCase()) ? md : `${mk} ${md}`;
}
