import { describe, expect, it } from "vitest";
import {
  formatBytes,
  formatCamera,
  formatCaptureTime,
  formatDimensions,
  formatEpochMs,
  formatGeo,
  formatTag,
  normalizeTags,
  osmUrl,
  parseGeo,
} from "./format";

describe("formatBytes", () => {
  it.each([
    [0, "0 B"],
    [999, "999 B"],
    [1000, "1.00 KB"],
    [1581000, "1.58 MB"],
    [15_810_000, "15.8 MB"],
    [158_100_000, "158 MB"],
    [999_999, "1.00 MB"],
    [2_500_000_000, "2.50 GB"],
  ])("%d bytes -> %s", (n, s) => {
    expect(formatBytes(n)).toBe(s);
  });
  it("says unknown for nonsense", () => {
    expect(formatBytes(undefined)).toBe("unknown size");
    expect(formatBytes(-1)).toBe("unknown size");
    expect(formatBytes(Number.NaN)).toBe("unknown size");
  });
});

describe("dates", () => {
  it("formats epoch ms in UTC", () => {
    expect(formatEpochMs(Date.UTC(2026, 10, 25, 7, 5, 9), "UTC")).toBe("2026-11-25 07:05 UTC");
    expect(formatEpochMs(undefined)).toBe("unknown");
  });
  it("formats epoch ms in local time", () => {
    const ms = new Date(2026, 0, 2, 3, 4).getTime();
    expect(formatEpochMs(ms)).toBe("2026-01-02 03:04");
  });
  it("shows EXIF capture times as written, never shifted", () => {
    expect(formatCaptureTime("2019-05-03T10:20:30")).toBe("2019-05-03 10:20:30");
    expect(formatCaptureTime("2019:05:03 10:20:30")).toBe("2019-05-03 10:20:30");
    expect(formatCaptureTime("2019-05-03T10:20:30+02:00")).toBe("2019-05-03 10:20:30 +02:00");
    expect(formatCaptureTime("2019-05-03T10:20:30Z")).toBe("2019-05-03 10:20:30 UTC");
    expect(formatCaptureTime("2019-05-03")).toBe("2019-05-03");
    expect(formatCaptureTime("")).toBeNull();
    expect(formatCaptureTime(undefined)).toBeNull();
    expect(formatCaptureTime("sometime")).toBe("sometime");
  });
});

describe("GPS", () => {
  it("parses decimal degrees, also from strings", () => {
    expect(parseGeo({ latitude: 48.8584, longitude: 2.2945 })).toEqual({ latitude: 48.8584, longitude: 2.2945 });
    expect(parseGeo({ latitude: "-33.8568", longitude: "151.2153" })).toEqual({
      latitude: -33.8568,
      longitude: 151.2153,
    });
  });
  it("rejects out-of-range or missing values", () => {
    expect(parseGeo({ latitude: 91, longitude: 0 })).toBeNull();
    expect(parseGeo({ latitude: 0, longitude: -181 })).toBeNull();
    expect(parseGeo({ latitude: 1 })).toBeNull();
    expect(parseGeo(null)).toBeNull();
    expect(parseGeo({ latitude: "", longitude: "" })).toBeNull();
  });
  it("formats hemispheres", () => {
    expect(formatGeo({ latitude: 48.858370, longitude: 2.294481 })).toBe("48.85837° N, 2.29448° E");
    expect(formatGeo({ latitude: -33.8568, longitude: -70.5 })).toBe("33.85680° S, 70.50000° W");
  });
  it("links to OpenStreetMap with a marker", () => {
    expect(osmUrl({ latitude: 48.85837, longitude: 2.294481 })).toBe(
      "https://www.openstreetmap.org/?mlat=48.858370&mlon=2.294481#map=15/48.858370/2.294481",
    );
  });
});

describe("tags, camera, dimensions", () => {
  it("sorts tags by confidence and formats percentages", () => {
    const tags = normalizeTags([
      { name: "Tree", confidence: 71.2 },
      { name: "Dog", confidence: 98.64 },
      "Legacy",
      { nope: 1 },
    ]);
    expect(tags.map(formatTag)).toEqual(["Dog 99%", "Tree 71%", "Legacy"]);
    expect(normalizeTags(undefined)).toEqual([]);
  });
  it("does not repeat the make in the model", () => {
    expect(formatCamera("Canon", "Canon EOS 5D")).toBe("Canon EOS 5D");
    expect(formatCamera("FUJIFILM", "FinePix REAL 3D W3")).toBe("FUJIFILM FinePix REAL 3D W3");
    expect(formatCamera(undefined, "X100")).toBe("X100");
    expect(formatCamera("", "")).toBeNull();
  });
  it("formats dimensions", () => {
    expect(formatDimensions({ width: 3648, height: 2736 })).toBe("3648 × 2736");
    expect(formatDimensions({ width: 1 })).toBeNull();
    expect(formatDimensions(undefined)).toBeNull();
  });
});
