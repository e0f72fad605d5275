import { describe, expect, it } from "vitest";
import type { ImageItem } from "./status";
import { watchImage, type WatchDeps, type WatchUpdate } from "./watcher";

const ARN = "arn:aws:states:us-east-1:123456789012:execution:sm:run1";

/** A fake clock: sleep advances time instantly. */
function fakeDeps(items: (ImageItem | undefined | Error)[]) {
  let t = 0;
  let i = 0;
  const sleeps: number[] = [];
  const deps: WatchDeps = {
    getItem: async () => {
      const v = items[Math.min(i++, items.length - 1)];
      if (v instanceof Error) throw v;
      return v;
    },
    sleep: async (ms) => {
      sleeps.push(ms);
      t += ms;
    },
    now: () => t,
  };
  return { deps, sleeps, polls: () => i };
}

describe("watchImage", () => {
  it("goes uploaded -> processing -> done and stops", async () => {
    const { deps, sleeps } = fakeDeps([
      undefined,
      undefined,
      { imageID: "x", processingStatus: "PENDING", executionArn: ARN },
      { imageID: "x", processingStatus: "RUNNING", executionArn: ARN },
      { imageID: "x", processingStatus: "SUCCEEDED", executionArn: ARN, fileSize: 10 },
    ]);
    const phases: string[] = [];
    const end = await watchImage("x", deps, (u) => phases.push(u.view.phase));
    expect(end?.phase).toBe("done");
    expect(phases).toEqual(["uploaded", "uploaded", "processing", "processing", "done"]);
    // backoff restarts when the phase changes
    expect(sleeps).toEqual([500, 750, 500, 750]);
  });

  it("keeps polling a long-running execution far beyond any fixed timeout", async () => {
    const running = { imageID: "x", processingStatus: "RUNNING", executionArn: ARN } as ImageItem;
    const items: ImageItem[] = Array.from({ length: 400 }, () => running);
    items.push({ ...running, processingStatus: "SUCCEEDED" });
    const { deps, polls } = fakeDeps(items);
    const end = await watchImage("x", deps, () => undefined);
    expect(end?.phase).toBe("done");
    expect(polls()).toBe(401);
    expect(deps.now()).toBeGreaterThan(30 * 60 * 1000); // > 30 minutes of fake time
  });

  it("ends failed with the recorded error, from the item alone", async () => {
    const running = { imageID: "x", processingStatus: "RUNNING", executionArn: ARN } as ImageItem;
    const { deps } = fakeDeps([running, { ...running, processingStatus: "FAILED", error: "ImageDecodeError", cause: "truncated" }]);
    const end = await watchImage("x", deps, () => undefined);
    expect(end?.phase).toBe("failed");
    expect(end?.error?.name).toBe("ImageDecodeError");
    expect(end?.error?.detail).toBe("truncated");
  });

  it("reports poll errors and carries on", async () => {
    const { deps } = fakeDeps([
      new TypeError("Failed to fetch"),
      new TypeError("Failed to fetch"),
      { imageID: "x", processingStatus: "FAILED", executionArn: ARN, error: "FileTypeNotSupported" },
    ]);
    const updates: WatchUpdate[] = [];
    const end = await watchImage("x", deps, (u) => updates.push(u));
    expect(updates.filter((u) => u.pollError)).toHaveLength(2);
    expect(end?.phase).toBe("failed");
    expect(end?.error?.title).toMatch(/not supported/);
  });

  it("stops on an error that makes polling pointless (signed out)", async () => {
    const expired = Object.assign(new Error("Your session has ended."), { name: "SessionExpiredError" });
    const { deps, polls } = fakeDeps([undefined, expired, undefined]);
    const updates: WatchUpdate[] = [];
    await watchImage("x", deps, (u) => updates.push(u), { isFatal: (e) => (e as Error).name === "SessionExpiredError" });
    expect(polls()).toBe(2);
    expect(updates[1].pollError).toBe(expired);
  });

  it("stops when aborted", async () => {
    const ctl = new AbortController();
    const { deps, polls } = fakeDeps([undefined]);
    let n = 0;
    await watchImage(
      "x",
      deps,
      () => {
        if (++n === 3) ctl.abort();
      },
      { signal: ctl.signal },
    );
    expect(polls()).toBe(3);
  });
});
