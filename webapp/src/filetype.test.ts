import { describe, expect, it } from "vitest";
import { ACCEPT, ACCEPTED_FORMATS_TEXT, canPreview, checkFile, sniffImage } from "./filetype";

const bytes = (...b: number[]) => new Uint8Array(b);
const text = (s: string) => new TextEncoder().encode(s);

describe("sniffImage", () => {
  it("knows images by their first bytes, whatever the name says", () => {
    expect(sniffImage(bytes(0xff, 0xd8, 0xff, 0xe1, 0, 0))).toBe("jpeg");
    expect(sniffImage(bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0))).toBe("png");
    expect(sniffImage(text("GIF89a\x01\x00"))).toBe("gif");
    expect(sniffImage(text("RIFF\x00\x00\x00\x00WEBPVP8 "))).toBe("webp");
    expect(sniffImage(text("\x00\x00\x00\x18ftypheic\x00\x00"))).toBe("heic");
    expect(sniffImage(bytes(0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8))).toBe("tiff");
  });

  it("finds no image in text, PDFs, zips or a truncated signature", () => {
    expect(sniffImage(text("a text file with a photo's name\n"))).toBeNull();
    expect(sniffImage(text("%PDF-1.7\n"))).toBeNull();
    expect(sniffImage(bytes(0x50, 0x4b, 0x03, 0x04))).toBeNull();
    expect(sniffImage(bytes(0xff, 0xd8))).toBeNull();
    expect(sniffImage(bytes())).toBeNull();
  });
});

describe("checkFile", () => {
  it("refuses empty files and files that are no image, before any upload", async () => {
    expect(await checkFile(new File([], "empty.png", { type: "image/png" }))).toEqual({ ok: false, reason: "The file is empty." });
    const notes = await checkFile(new File(["not a photo at all\n"], "notes.jpg", { type: "image/jpeg" }));
    expect(notes.ok).toBe(false);
    expect(!notes.ok && notes.reason).toMatch(/not an image/);
    expect(!notes.ok && notes.reason).toContain("JPEG, PNG, HEIC/HEIF, AVIF, WebP or GIF");
  });

  it("lets every image through: the pipeline judges BMPs and damaged JPEGs", async () => {
    expect(await checkFile(new File([text("GIF89a\x01\x00\x01\x00")], "a.gif"))).toEqual({ ok: true, kind: "gif" });
    expect(await checkFile(new File([text("BM\x3a\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00")], "a.bmp"))).toEqual({ ok: true, kind: "bmp" });
    expect(await checkFile(new File([bytes(0xff, 0xd8, 0xff, 0xdb, 1, 2)], "half.jpg"))).toEqual({ ok: true, kind: "jpeg" });
  });

  it("the picker accepts images and the camera extensions browsers do not type", () => {
    expect(ACCEPT.split(",")).toEqual(expect.arrayContaining(["image/*", ".jpg", ".png", ".mpo"]));
  });

  it("the picker names every accepted format by type and extension", () => {
    const accept = ACCEPT.split(",");
    expect(accept).toEqual(
      expect.arrayContaining([".heic", ".heif", "image/heic", "image/heif", ".avif", "image/avif", ".webp", "image/webp", ".gif", "image/gif"]),
    );
    expect(ACCEPTED_FORMATS_TEXT).toBe("JPEG, PNG, HEIC/HEIF, AVIF, WebP or GIF");
  });

  it("knows AVIF, and previews what a browser shows", () => {
    expect(sniffImage(text("\x00\x00\x00\x1cftypavif\x00\x00"))).toBe("avif");
    expect(canPreview("avif")).toBe(true);
    expect(canPreview("heic")).toBe(false);
  });
});
