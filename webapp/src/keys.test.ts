import { describe, expect, it } from "vitest";
import {
  albumIdFor,
  albumNameFromId,
  buildUploadKey,
  checkAlbumName,
  checkUserId,
  cleanFileName,
  displayNameFromImageId,
  imageIdFromKey,
  randomId,
  safeSegment,
} from "./keys";

const ID = "0f8fad5b-d9cb-469f-a165-70867728950e";

describe("album IDs", () => {
  it("is <userID>/<album name>, trimmed", () => {
    expect(albumIdFor(" alice ", " Summer 2026 ")).toBe("alice/Summer 2026");
  });
  it("refuses bad names", () => {
    expect(() => albumIdFor("a/b", "x")).toThrow(/“\/”/);
    expect(() => albumIdFor("alice", "  ")).toThrow(/album name/);
    expect(checkUserId("")).toMatch(/Enter/);
    expect(checkUserId("x".repeat(65))).toMatch(/at most 64/);
    expect(checkUserId("bob")).toBeNull();
    expect(checkAlbumName("tab\there")).toMatch(/control/);
    expect(checkAlbumName("Holidays / 2026")).toBeNull();
  });
  it("gives back the album name", () => {
    expect(albumNameFromId("alice/Trips/2026")).toBe("Trips/2026");
    expect(albumNameFromId("orphan")).toBe("orphan");
  });
});

describe("upload keys", () => {
  it("puts the album (made safe) and a unique id before the file name", () => {
    expect(buildUploadKey("Incoming/", "alice/Summer 2026", "IMG 1.jpg", ID)).toBe(
      `Incoming/alice_Summer_2026/${ID}-IMG 1.jpg`,
    );
  });
  it("keeps non-ASCII file names (the trigger decodes keys) but strips paths and control chars", () => {
    expect(buildUploadKey("Incoming/", "ü/é", "C:\\photos\\Strand\u0007 ü+1.png", ID)).toBe(
      `Incoming/u_e/${ID}-Strand ü+1.png`,
    );
    expect(cleanFileName("")).toBe("photo");
  });
  it("is unique per call", () => {
    const a = buildUploadKey("Incoming/", "a/b", "x.jpg");
    const b = buildUploadKey("Incoming/", "a/b", "x.jpg");
    expect(a).not.toBe(b);
    expect(a).toMatch(/^Incoming\/a_b\/[0-9a-f-]{36}-x\.jpg$/);
  });
  it("stays within 1024 bytes and keeps the extension", () => {
    const key = buildUploadKey("Incoming/", "a/b", `${"é".repeat(2000)}.jpeg`, ID);
    expect(new TextEncoder().encode(key).length).toBeLessThanOrEqual(1024);
    expect(key.endsWith(".jpeg")).toBe(true);
  });
  it("round-trips imageID and display name", () => {
    const key = buildUploadKey("Incoming/", "alice/Trip", "beach.jpg", ID);
    const imageID = imageIdFromKey(key, "Incoming/");
    expect(imageID).toBe(`alice_Trip/${ID}-beach.jpg`);
    expect(displayNameFromImageId(imageID)).toBe("beach.jpg");
    expect(displayNameFromImageId("other/key.png")).toBe("key.png");
    expect(imageIdFromKey("Elsewhere/x", "Incoming/")).toBe("Elsewhere/x");
  });
  it("safeSegment never returns an empty or dot segment", () => {
    expect(safeSegment("///")).toBe("_");
    expect(safeSegment("..")).toBe("_");
    expect(safeSegment("a".repeat(200)).length).toBe(80);
  });
  it("randomId is a v4 uuid", () => {
    expect(randomId()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
