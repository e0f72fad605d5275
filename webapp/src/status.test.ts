import { describe, expect, it } from "vitest";
import { isTerminal, pollDelay, viewFromItem, type ImageItem } from "./status";

const ARN = "arn:aws:states:us-east-1:123456789012:execution:image-pipeline:abc";
const base: ImageItem = { imageID: "a/b.jpg", executionArn: ARN };

describe("viewFromItem", () => {
  it("no record yet: uploaded, waiting", () => {
    expect(viewFromItem(undefined).phase).toBe("uploaded");
  });
  it("PENDING and RUNNING: processing with the execution ARN", () => {
    for (const s of ["PENDING", "RUNNING"]) {
      const v = viewFromItem({ ...base, processingStatus: s });
      expect(v.phase).toBe("processing");
      expect(v.executionArn).toBe(ARN);
      expect(isTerminal(v.phase)).toBe(false);
    }
  });
  it("SUCCEEDED: done", () => {
    const v = viewFromItem({ ...base, processingStatus: "SUCCEEDED" });
    expect(v.phase).toBe("done");
    expect(isTerminal(v.phase)).toBe(true);
  });
  it("FAILED: failed with a friendly error from the record", () => {
    const v = viewFromItem({ ...base, processingStatus: "FAILED", error: "FileTypeNotSupported", cause: "Image type not supported!" });
    expect(v.phase).toBe("failed");
    expect(v.error?.name).toBe("FileTypeNotSupported");
    expect(v.error?.title).toMatch(/not supported/);
    expect(v.error?.detail).toBe("Image type not supported!");
  });
  it("a record without status or ARN is still waiting", () => {
    expect(viewFromItem({ imageID: "x" }).phase).toBe("uploaded");
  });
});

describe("pollDelay", () => {
  it("backs off and caps, never ends", () => {
    expect(pollDelay(0)).toBe(500);
    expect(pollDelay(1)).toBe(750);
    expect(pollDelay(2)).toBe(1125);
    expect(pollDelay(10)).toBe(5000);
    expect(pollDelay(10_000)).toBe(5000);
    const ds = Array.from({ length: 20 }, (_, i) => pollDelay(i));
    for (let i = 1; i < ds.length; i++) expect(ds[i]).toBeGreaterThanOrEqual(ds[i - 1]);
  });
  it("honours options", () => {
    expect(pollDelay(3, { initialMs: 100, factor: 2, maxMs: 1000 })).toBe(800);
    expect(pollDelay(4, { initialMs: 100, factor: 2, maxMs: 1000 })).toBe(1000);
  });
});
