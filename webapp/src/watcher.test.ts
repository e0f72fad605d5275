import { describe, expect, it } from "vitest";
import type { ExecutionInfo, ImageItem } from "./status";
import { watchImage, type WatchDeps, type WatchUpdate } from "./watcher";

const ARN = "arn:aws:states:us-east-1:123456789012:execution:sm:run1";

/** A fake clock: sleep advances time instantly. */
function fakeDeps(items: (ImageItem | undefined | Error)[], execution?: (arn: string) => ExecutionInfo) {
  let t = 0;
  let i = 0;
  const sleeps: number[] = [];
  const describes: string[] = [];
  const deps: WatchDeps = {
    getItem: async () => {
      const v = items[Math.min(i++, items.length - 1)];
      if (v instanceof Error) throw v;
      return v;
    },
    describeExecution: async (arn) => {
      describes.push(arn);
      if (!execution) throw new Error("no describe");
      return execution(arn);
    },
    sleep: async (ms) => {
      sleeps.push(ms);
      t += ms;
    },
    now: () => t,
  };
  return { deps, sleeps, describes, polls: () => i };
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
    const { deps, polls } = fakeDeps(items, (arn) => ({ executionArn: arn, status: "RUNNING" }));
    const end = await watchImage("x", deps, () => undefined);
    expect(end?.phase).toBe("done");
    expect(polls()).toBe(401);
    expect(deps.now()).toBeGreaterThan(30 * 60 * 1000); // > 30 minutes of fake time
  });

  it("detects an execution that failed without writing a record", async () => {
    const running = { imageID: "x", processingStatus: "RUNNING", executionArn: ARN } as ImageItem;
    const { deps, describes } = fakeDeps(Array.from({ length: 100 }, () => running), (arn) => ({
      executionArn: arn,
      status: "FAILED",
      error: "States.Runtime",
      cause: "boom",
    }));
    const updates: WatchUpdate[] = [];
    const end = await watchImage("x", deps, (u) => updates.push(u), { describeEveryMs: 3000 });
    expect(end?.phase).toBe("failed");
    expect(end?.error?.name).toBe("States.Runtime");
    expect(end?.error?.detail).toBe("boom");
    expect(describes).toEqual([ARN]);
  });

  it("prefers the recorded failure when it appears meanwhile", async () => {
    const running = { imageID: "x", processingStatus: "RUNNING", executionArn: ARN } as ImageItem;
    // Polls at t=0, 500, 1250, 2375: the 4th asks describe_execution, the re-read finds the record.
    const items: ImageItem[] = [...Array.from({ length: 4 }, () => running)];
    items.push({ ...running, processingStatus: "FAILED", error: "ImageDecodeError", cause: "truncated" });
    const { deps } = fakeDeps(items, (arn) => ({ executionArn: arn, status: "FAILED", error: "ImageDecodeError" }));
    const end = await watchImage("x", deps, () => undefined, { describeEveryMs: 2000 });
    expect(end?.phase).toBe("failed");
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

  it("a failing describe_execution does not stop polling", async () => {
    const running = { imageID: "x", processingStatus: "RUNNING", executionArn: ARN } as ImageItem;
    const items: ImageItem[] = [...Array.from({ length: 30 }, () => running), { ...running, processingStatus: "SUCCEEDED" }];
    const { deps, describes } = fakeDeps(items);
    const end = await watchImage("x", deps, () => undefined, { describeEveryMs: 2000 });
    expect(end?.phase).toBe("done");
    expect(describes.length).toBeGreaterThan(1);
  });

  it("stops when aborted", async () => {
    const ctl = new AbortController();
    const { deps, polls } = fakeDeps([undefined]);
    let n = 0;
    await watchImage("x", deps, () => {
      if (++n === 3) ctl.abort();
    }, { signal: ctl.signal });
    expect(polls()).toBe(3);
  });
});
