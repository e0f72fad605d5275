// Names and keys: album IDs, upload keys, image IDs.

export const MAX_USER_ID_LENGTH = 64;
export const MAX_ALBUM_NAME_LENGTH = 100;
const MAX_S3_KEY_BYTES = 1024;

/** A user name as typed; trimmed. Returns an error message or null when it is acceptable. */
export function checkUserId(userID: string): string | null {
  const v = userID.trim();
  if (v === "") return "Enter a user name.";
  if (v.length > MAX_USER_ID_LENGTH) return `A user name has at most ${MAX_USER_ID_LENGTH} characters.`;
  if (v.includes("/")) return "A user name cannot contain “/”.";
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(v)) return "A user name cannot contain control characters.";
  return null;
}

export function checkAlbumName(name: string): string | null {
  const v = name.trim();
  if (v === "") return "Enter an album name.";
  if (v.length > MAX_ALBUM_NAME_LENGTH) return `An album name has at most ${MAX_ALBUM_NAME_LENGTH} characters.`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(v)) return "An album name cannot contain control characters.";
  return null;
}

/** albumID = "<userID>/<album name>", as in the original sample. */
export function albumIdFor(userID: string, albumName: string): string {
  const u = userID.trim();
  const a = albumName.trim();
  const err = checkUserId(u) ?? checkAlbumName(a);
  if (err) throw new Error(err);
  return `${u}/${a}`;
}

/** One path segment made of [A-Za-z0-9._-] only, never empty, at most `max` characters. */
export function safeSegment(value: string, max = 80): string {
  const s = value
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .replace(/^[._]+|_+$/g, "")
    .slice(0, max);
  return s === "" ? "_" : s;
}

function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** The file's own name, minus path separators and control characters; keeps the extension. */
export function cleanFileName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const base = (name.split(/[\\/]/).pop() ?? "").replace(/[\u0000-\u001f\u007f]/g, "").trim();
  return base === "" ? "photo" : base;
}

export function randomId(): string {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === "function") return c.randomUUID();
  const b = new Uint8Array(16);
  c.getRandomValues(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * Upload key: `<incomingPrefix><album-safe>/<uuid>-<file name>`. Unique per upload (the uuid),
 * grouped by album, and the file's real name is kept (the trigger URL-decodes keys, so spaces
 * and non-ASCII names are fine). Truncates the name (keeping its extension) to stay within
 * S3's 1024-byte key limit.
 */
export function buildUploadKey(incomingPrefix: string, albumID: string, fileName: string, id = randomId()): string {
  const head = `${incomingPrefix}${safeSegment(albumID)}/${id}-`;
  let name = cleanFileName(fileName);
  const budget = MAX_S3_KEY_BYTES - utf8Length(head);
  if (utf8Length(name) > budget) {
    const dot = name.lastIndexOf(".");
    const ext = dot > 0 && name.length - dot <= 10 ? name.slice(dot) : "";
    let stem = name.slice(0, name.length - ext.length);
    while (stem.length > 0 && utf8Length(stem + ext) > budget) stem = Array.from(stem).slice(0, -1).join("");
    name = stem + ext;
  }
  return head + name;
}

/** imageID = the object key without the incoming prefix (as start_execution stores it). */
export function imageIdFromKey(key: string, incomingPrefix: string): string {
  return key.startsWith(incomingPrefix) ? key.slice(incomingPrefix.length) : key;
}

/** The file name a user uploaded, from an imageID built by buildUploadKey. */
export function displayNameFromImageId(imageID: string): string {
  const last = imageID.split("/").pop() ?? imageID;
  const m = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-(.+)$/i.exec(last);
  return m ? m[1] : last;
}

/** The album name part of "<userID>/<album name>". */
export function albumNameFromId(albumID: string): string {
  const i = albumID.indexOf("/");
  return i >= 0 ? albumID.slice(i + 1) : albumID;
}
