// What a chosen file is, from its first bytes: files that are no image at all are refused
// before upload. The pipeline stays the judge of every image (a BMP, a damaged JPEG, ...).

export type ImageKind = "jpeg" | "png" | "gif" | "webp" | "bmp" | "tiff" | "heic" | "avif";

/** The formats the pipeline accepts by default, as people read them. */
export const ACCEPTED_FORMATS = ["JPEG", "PNG", "HEIC/HEIF", "AVIF", "WebP", "GIF"] as const;

/** "JPEG, PNG, HEIC/HEIF, AVIF, WebP or GIF". */
export const ACCEPTED_FORMATS_TEXT = `${ACCEPTED_FORMATS.slice(0, -1).join(", ")} or ${ACCEPTED_FORMATS[ACCEPTED_FORMATS.length - 1]}`;

/**
 * The `accept` filter of the file picker: images, plus each accepted format's MIME types and
 * extensions (a browser may not map HEIC/HEIF/AVIF to `image/*`), and MPO (a JPEG).
 */
export const ACCEPT = [
  "image/*",
  "image/jpeg,.jpg,.jpeg,.mpo",
  "image/png,.png",
  "image/heic,image/heif,image/heic-sequence,image/heif-sequence,.heic,.heif",
  "image/avif,.avif",
  "image/webp,.webp",
  "image/gif,.gif",
].join(",");

const SNIFF_BYTES = 16;

function startsWith(b: Uint8Array, sig: number[], at = 0): boolean {
  return b.length >= at + sig.length && sig.every((x, i) => b[at + i] === x);
}

function ascii(b: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...b.slice(from, to));
}

/** The image format the bytes begin with, or null when they begin no image format. */
export function sniffImage(b: Uint8Array): ImageKind | null {
  if (startsWith(b, [0xff, 0xd8, 0xff])) return "jpeg";
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "png";
  if (ascii(b, 0, 6) === "GIF87a" || ascii(b, 0, 6) === "GIF89a") return "gif";
  if (ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 12) === "WEBP") return "webp";
  if (ascii(b, 0, 2) === "BM" && b.length >= 14) return "bmp";
  if (startsWith(b, [0x49, 0x49, 0x2a, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2a])) return "tiff";
  if (ascii(b, 4, 8) === "ftyp") {
    const brand = ascii(b, 8, 12);
    if (/^(heic|heix|hevc|heim|heis|mif1|msf1)$/.test(brand)) return "heic";
    if (/^avi[fs]$/.test(brand)) return "avif";
  }
  return null;
}

export type FileCheck = { ok: true; kind: ImageKind } | { ok: false; reason: string };

/** Whether a file may be uploaded: not empty, and its first bytes are an image's. */
export async function checkFile(file: Blob & { name?: string }): Promise<FileCheck> {
  if (file.size === 0) return { ok: false, reason: "The file is empty." };
  const head = new Uint8Array(await file.slice(0, SNIFF_BYTES).arrayBuffer());
  const kind = sniffImage(head);
  if (!kind) return { ok: false, reason: `This is not an image (its content is none of ${ACCEPTED_FORMATS_TEXT}).` };
  return { ok: true, kind };
}

/** Only what the pipeline reads gets a local preview (a browser shows JPEG/PNG/GIF/WebP/AVIF). */
export function canPreview(kind: ImageKind): boolean {
  return kind === "jpeg" || kind === "png" || kind === "gif" || kind === "webp" || kind === "avif";
}
