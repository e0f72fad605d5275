import { describe, expect, it } from "vitest";
import {
  albumIdFor,
  albumKeyOf,
  buildUploadKey,
  checkAlbumName,
  checkDisplayName,
  checkEmail,
  checkPassword,
  cleanFileName,
  displayNameFromImageId,
  imageIdFromKey,
  isIdentityId,
  isOwnAlbumId,
  isOwnKey,
  newAlbumKey,
  randomId,
} from "./keys";

const ID = "0f8fad5b-d9cb-469f-a165-70867728950e";
const ME = "us-east-1:11111111-2222-3333-4444-555555555555";
const OTHER = "us-east-1:99999999-8888-7777-6666-555555555555";

describe("identity ids", () => {
  it("are <region>:<uuid>", () => {
    expect(isIdentityId(ME)).toBe(true);
    expect(isIdentityId("eu-central-1:0f8fad5b-d9cb-469f-a165-70867728950e")).toBe(true);
    for (const bad of ["alice", "us-east-1:", `${ME}/x`, "us-east-1:../../etc", 42, null]) expect(isIdentityId(bad)).toBe(false);
  });
});

describe("album ids", () => {
  it("are <identityId>/<12 random url-safe chars>", () => {
    const key = newAlbumKey();
    expect(key).toMatch(/^[A-Za-z0-9_-]{12}$/);
    expect(new Set(Array.from({ length: 200 }, () => newAlbumKey())).size).toBe(200);
    expect(albumIdFor(ME, key)).toBe(`${ME}/${key}`);
    expect(albumKeyOf(`${ME}/${key}`, ME)).toBe(key);
  });
  it("refuse anything but an identity id and an ASCII key", () => {
    expect(() => albumIdFor("alice", "abc")).toThrow(/identity id/);
    expect(() => albumIdFor(ME, "Ferien Zürich")).toThrow(/album key/);
    expect(() => albumIdFor(ME, "a/b")).toThrow(/album key/);
  });
  it("tell one's own albums from others'", () => {
    expect(isOwnAlbumId(`${ME}/abcDEF123_-x`, ME)).toBe(true);
    expect(isOwnAlbumId(`${OTHER}/abcDEF123_-x`, ME)).toBe(false);
    expect(isOwnAlbumId(`${ME}/`, ME)).toBe(false);
    expect(isOwnAlbumId(`${ME}/a/b`, ME)).toBe(false);
    expect(isOwnAlbumId(`${ME}x/abc`, ME)).toBe(false);
    expect(isOwnAlbumId(undefined, ME)).toBe(false);
    expect(albumKeyOf(`${OTHER}/abc`, ME)).toBeNull();
  });
});

describe("names people type", () => {
  it("album names: any Unicode, no control characters, at most 100 characters", () => {
    expect(checkAlbumName("Ferien Zürich 2024")).toBeNull();
    expect(checkAlbumName("李雷的相册 🌸")).toBeNull();
    expect(checkAlbumName("Holidays / 2026")).toBeNull();
    expect(checkAlbumName("  ")).toMatch(/Enter/);
    expect(checkAlbumName("tab\there")).toMatch(/control/);
    expect(checkAlbumName("🌸".repeat(100))).toBeNull(); // 100 characters, 200 UTF-16 units
    expect(checkAlbumName("x".repeat(101))).toMatch(/at most 100/);
  });
  it("display names", () => {
    expect(checkDisplayName("Zoë Ångström")).toBeNull();
    expect(checkDisplayName("李雷")).toBeNull();
    expect(checkDisplayName(" ")).toMatch(/Enter a display name/);
    expect(checkDisplayName("a\u0000b")).toMatch(/control/);
    expect(checkDisplayName("x".repeat(101))).toMatch(/at most 100/);
  });
  it("emails", () => {
    expect(checkEmail(" zoe@example.com ")).toBeNull();
    expect(checkEmail("")).toMatch(/Enter/);
    expect(checkEmail("zoe@example")).toMatch(/valid email/);
    expect(checkEmail("zo e@example.com")).toMatch(/valid email/);
  });
});

describe("passwords (the pool's policy)", () => {
  it("accept 12+ characters with lower, upper and digits", () => {
    expect(checkPassword("Correct-Horse-42")).toBeNull();
    expect(checkPassword("abcdefGHIJ12")).toBeNull();
    expect(checkPassword("Ünïcödé-Pass-1a")).toBeNull();
  });
  it.each([
    ["", /Enter a password/],
    ["Short1a", /at least 12 characters/],
    ["alllowercase123", /an upper-case letter/],
    ["ALLUPPERCASE123", /a lower-case letter/],
    ["NoDigitsHereAtAll", /a digit/],
    ["short", /at least 12 characters, an upper-case letter and a digit/],
    [" Leading-Blank1", /blank/],
  ])("refuse %j with a clear message", (pw, message) => {
    expect(checkPassword(pw)).toMatch(message);
  });
  it("say what the rule is", () => {
    expect(checkPassword("short")).toMatch(/lower-case and upper-case letters and digits/);
  });
});

describe("upload keys", () => {
  const KEY = "AbCdEfGh12_-";
  it("are Incoming/<identityId>/<albumKey>/<uuid>-<file name>", () => {
    expect(buildUploadKey("Incoming/", ME, KEY, "IMG 1.jpg", ID)).toBe(`Incoming/${ME}/${KEY}/${ID}-IMG 1.jpg`);
  });
  it("keep non-ASCII file names exactly but strip paths and control chars", () => {
    expect(buildUploadKey("Incoming/", ME, KEY, "C:\\photos\\Strand\u0007 ü+1.png", ID)).toBe(`Incoming/${ME}/${KEY}/${ID}-Strand ü+1.png`);
    expect(buildUploadKey("Incoming/", ME, KEY, "照片 #1 🌸.jpg", ID)).toBe(`Incoming/${ME}/${KEY}/${ID}-照片 #1 🌸.jpg`);
    expect(cleanFileName("")).toBe("photo");
  });
  it("refuse an owner that is not an identity id", () => {
    expect(() => buildUploadKey("Incoming/", "alice", KEY, "x.jpg")).toThrow(/identity id/);
    expect(() => buildUploadKey("Incoming/", ME, "../x", "x.jpg")).toThrow(/album key/);
  });
  it("are unique per call", () => {
    const a = buildUploadKey("Incoming/", ME, KEY, "x.jpg");
    const b = buildUploadKey("Incoming/", ME, KEY, "x.jpg");
    expect(a).not.toBe(b);
    expect(a).toMatch(new RegExp(`^Incoming/${ME}/${KEY}/[0-9a-f-]{36}-x\\.jpg$`));
  });
  it("stay within 1024 bytes and keep the extension (never splitting a character)", () => {
    const key = buildUploadKey("Incoming/", ME, KEY, `${"🌸".repeat(400)}.jpeg`, ID);
    expect(new TextEncoder().encode(key).length).toBeLessThanOrEqual(1024);
    expect(key.endsWith(".jpeg")).toBe(true);
    expect(key).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });
  it("round-trip imageID and display name", () => {
    const key = buildUploadKey("Incoming/", ME, KEY, "Strand ü.jpg", ID);
    const imageID = imageIdFromKey(key, "Incoming/");
    expect(imageID).toBe(`${ME}/${KEY}/${ID}-Strand ü.jpg`);
    expect(displayNameFromImageId(imageID)).toBe("Strand ü.jpg");
    expect(displayNameFromImageId("other/key.png")).toBe("key.png");
    expect(imageIdFromKey("Elsewhere/x", "Incoming/")).toBe("Elsewhere/x");
  });
  it("own keys lie under <prefix><identityId>/", () => {
    expect(isOwnKey(`Thumbnails/${ME}/${KEY}/x.jpg`, "Thumbnails/", ME)).toBe(true);
    expect(isOwnKey(`Thumbnails/${OTHER}/${KEY}/x.jpg`, "Thumbnails/", ME)).toBe(false);
    expect(isOwnKey(`Thumbnails/${ME}/`, "Thumbnails/", ME)).toBe(false);
    expect(isOwnKey(`Incoming/${ME}/x.jpg`, "Thumbnails/", ME)).toBe(false);
  });
  it("randomId is a v4 uuid", () => {
    expect(randomId()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
