// Names and keys. Everything a user owns begins with their Cognito identity id (the IAM policy
// allows nothing else):
//   album      albumID  = "<identityId>/<albumKey>"          (albumKey: 12 url-safe ASCII chars)
//   upload     S3 key   = "<incoming>/<identityId>/<albumKey>/<uuid>-<file name>"
//   image      imageID  = the key without the incoming prefix
//   thumbnail  S3 key   = "<thumbnails>/<identityId>/..."     (written by the pipeline)
// Names people type (album, file and display names) never travel in keys' owner part nor in S3
// metadata, so any Unicode round-trips exactly.

export const MAX_DISPLAY_NAME_LENGTH = 100;
export const MAX_ALBUM_NAME_LENGTH = 100;
export const ALBUM_KEY_LENGTH = 12;
export const MIN_PASSWORD_LENGTH = 12;
const MAX_S3_KEY_BYTES = 1024;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** A Cognito identity id: "<region>:<uuid>". */
const IDENTITY_ID = /^[a-z]{2}(-[a-z]+)+-\d+:[0-9a-f-]{32,64}$/i;
/** An album key as newAlbumKey makes them (and nothing that could escape a path segment). */
const ALBUM_KEY = /^[A-Za-z0-9_-]{1,64}$/;
const URL_SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

export function isIdentityId(value: unknown): value is string {
  return typeof value === "string" && IDENTITY_ID.test(value);
}

export function isAlbumKey(value: unknown): value is string {
  return typeof value === "string" && ALBUM_KEY.test(value);
}

/** Length in characters as people count them (code points, not UTF-16 units). */
function charCount(s: string): number {
  return Array.from(s).length;
}

/** A display name (the user's `name` attribute) as typed; trimmed. An error message or null. */
export function checkDisplayName(name: string): string | null {
  const v = name.trim();
  if (v === "") return "Enter a display name.";
  if (charCount(v) > MAX_DISPLAY_NAME_LENGTH) return `A display name has at most ${MAX_DISPLAY_NAME_LENGTH} characters.`;
  if (CONTROL.test(v)) return "A display name cannot contain control characters.";
  return null;
}

export function checkEmail(email: string): string | null {
  const v = email.trim();
  if (v === "") return "Enter your email address.";
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v)) return "Enter a valid email address (name@example.com).";
  return null;
}

/**
 * The user pool's password policy: at least 12 characters, a lower-case letter, an upper-case
 * letter and a digit (symbols allowed, not required), no blank at either end.
 */
export function checkPassword(password: string, minLength = MIN_PASSWORD_LENGTH): string | null {
  if (password === "") return "Enter a password.";
  const missing: string[] = [];
  if (password.length < minLength) missing.push(`at least ${minLength} characters`);
  if (!/[a-z]/.test(password)) missing.push("a lower-case letter");
  if (!/[A-Z]/.test(password)) missing.push("an upper-case letter");
  if (!/[0-9]/.test(password)) missing.push("a digit");
  if (missing.length > 0) {
    const list = missing.length === 1 ? missing[0] : `${missing.slice(0, -1).join(", ")} and ${missing[missing.length - 1]}`;
    return `The password needs ${list} (at least ${minLength} characters with lower-case and upper-case letters and digits).`;
  }
  if (/^\s|\s$/.test(password)) return "The password cannot begin or end with a blank.";
  return null;
}

export function checkAlbumName(name: string): string | null {
  const v = name.trim();
  if (v === "") return "Enter an album name.";
  if (charCount(v) > MAX_ALBUM_NAME_LENGTH) return `An album name has at most ${MAX_ALBUM_NAME_LENGTH} characters.`;
  if (CONTROL.test(v)) return "An album name cannot contain control characters.";
  return null;
}

function randomBytes(n: number): Uint8Array {
  const b = new Uint8Array(n);
  globalThis.crypto.getRandomValues(b);
  return b;
}

/** 12 random url-safe characters (72 bits): unbiased, as 64 divides 256. */
export function newAlbumKey(length = ALBUM_KEY_LENGTH): string {
  return Array.from(randomBytes(length), (x) => URL_SAFE[x & 63]).join("");
}

/** albumID = "<identityId>/<albumKey>". */
export function albumIdFor(identityId: string, albumKey: string): string {
  if (!isIdentityId(identityId)) throw new Error(`not a Cognito identity id: ${identityId}`);
  if (!isAlbumKey(albumKey)) throw new Error(`not an album key: ${albumKey}`);
  return `${identityId}/${albumKey}`;
}

/** True when albumID is one of this identity's albums ("<identityId>/<albumKey>"). */
export function isOwnAlbumId(albumID: unknown, identityId: string): albumID is string {
  if (typeof albumID !== "string" || !albumID.startsWith(`${identityId}/`)) return false;
  return isAlbumKey(albumID.slice(identityId.length + 1));
}

/** The album key of one of this identity's albums, or null. */
export function albumKeyOf(albumID: string, identityId: string): string | null {
  return isOwnAlbumId(albumID, identityId) ? albumID.slice(identityId.length + 1) : null;
}

function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** The file's own name, minus path separators and control characters; keeps the extension. */
export function cleanFileName(name: string): string {
  const base = (name.split(/[\\/]/).pop() ?? "").replace(new RegExp(CONTROL.source, "g"), "").trim();
  return base === "" ? "photo" : base;
}

export function randomId(): string {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === "function") return c.randomUUID();
  const b = randomBytes(16);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * Upload key: `<incomingPrefix><identityId>/<albumKey>/<uuid>-<file name>`. Unique per upload
 * (the uuid), under the uploader's own prefix (the only place the policy lets them write), and the
 * file's real name is kept (S3 keys are UTF-8; the trigger URL-decodes them). Truncates the name
 * (keeping its extension) to stay within S3's 1024-byte key limit.
 */
export function buildUploadKey(
  incomingPrefix: string,
  identityId: string,
  albumKey: string,
  fileName: string,
  id = randomId(),
): string {
  const head = `${incomingPrefix}${albumIdFor(identityId, albumKey)}/${id}-`;
  let name = cleanFileName(fileName);
  const budget = MAX_S3_KEY_BYTES - utf8Length(head);
  if (utf8Length(name) > budget) {
    const dot = name.lastIndexOf(".");
    const ext = dot > 0 && name.length - dot <= 10 ? name.slice(dot) : "";
    let stem = Array.from(name.slice(0, name.length - ext.length));
    while (stem.length > 0 && utf8Length(stem.join("") + ext) > budget) stem = stem.slice(0, -1);
    name = stem.join("") + ext;
  }
  return head + name;
}

/** imageID = the object key without the incoming prefix (as start_execution stores it). */
export function imageIdFromKey(key: string, incomingPrefix: string): string {
  return key.startsWith(incomingPrefix) ? key.slice(incomingPrefix.length) : key;
}

/** The file name a user uploaded, from an imageID built by buildUploadKey. */
export function displayNameFromImageId(imageID: string): string {
  return fileNameFromImageId(imageID) ?? imageID.split("/").pop() ?? imageID;
}

/** The file name in an imageID of this app's form ("<...>/<uuid>-<name>"), or null. */
export function fileNameFromImageId(imageID: string): string | null {
  const last = imageID.split("/").pop() ?? imageID;
  const m = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-(.+)$/i.exec(last);
  return m ? m[1] : null;
}

/** True when an S3 key lies under this identity's own part of `prefix` ("<prefix><identityId>/..."). */
export function isOwnKey(key: unknown, prefix: string, identityId: string): key is string {
  return typeof key === "string" && key.startsWith(`${prefix}${identityId}/`) && key.length > prefix.length + identityId.length + 1;
}
