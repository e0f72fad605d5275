import { describe, expect, it } from "vitest";
import { UploadManager, type UploadEntry } from "./uploads";

interface Pending {
  entry: UploadEntry;
  progress: (f: number) => void;
  signal: AbortSignal;
  resolve: () => void;
  reject: (e: unknown) => void;
}

function manager(limit = 2) {
  const pending: Pending[] = [];
  const m = new UploadManager(
    (entry, progress, signal) =>
      new Promise<void>((resolve, reject) => {
        pending.push({ entry, progress, signal, resolve, reject });
        signal.addEventListener("abort", () => reject(new Error("aborted")));
      }),
    limit,
    () => 1000,
  );
  const states: string[] = [];
  m.subscribe((e) => states.push(`${e.name}:${e.state}`));
  return { m, pending, states };
}

const file = (name: string) => new File(["x"], name, { type: "image/jpeg" });
const tick = () => new Promise((r) => setTimeout(r, 0));

describe("UploadManager", () => {
  it("runs at most `limit` uploads at once and reports progress", async () => {
    const { m, pending } = manager(2);
    for (const n of ["a", "b", "c"]) m.add(file(n), `k/${n}`, `id/${n}`, "album", n);
    await tick();
    expect(pending.map((p) => p.entry.name)).toEqual(["a", "b"]);
    expect(m.active).toBe(3);
    pending[0].progress(0.5);
    expect(m.get("id/a")?.progress).toBe(0.5);
    pending[0].resolve();
    await tick();
    expect(m.get("id/a")?.state).toBe("uploaded");
    expect(pending.map((p) => p.entry.name)).toEqual(["a", "b", "c"]);
  });

  it("retries a failed upload from the same File, without picking it again", async () => {
    const { m, pending } = manager();
    const f = file("a");
    m.add(f, "k/a", "id/a", "album", "a");
    await tick();
    pending[0].reject(new Error("NetworkError"));
    await tick();
    expect(m.get("id/a")?.state).toBe("failed");
    expect(m.active).toBe(0);
    expect(m.retry("id/a")).toBe(true);
    await tick();
    expect(pending[1].entry.file).toBe(f);
    pending[1].resolve();
    await tick();
    expect(m.get("id/a")?.state).toBe("uploaded");
    expect(m.retry("id/a")).toBe(false);
  });

  it("cancels an upload in flight or still queued, and frees its place", async () => {
    const { m, pending, states } = manager(1);
    m.add(file("a"), "k/a", "id/a", "album", "a");
    m.add(file("b"), "k/b", "id/b", "album", "b");
    m.add(file("c"), "k/c", "id/c", "album", "c");
    await tick();
    expect(m.cancel("id/a")).toBe(true);
    expect(pending[0].signal.aborted).toBe(true);
    expect(m.cancel("id/c")).toBe(true);
    await tick();
    expect(pending.map((p) => p.entry.name)).toEqual(["a", "b"]);
    expect(states).toContain("a:cancelled");
    expect(states).not.toContain("a:failed");
    expect(m.get("id/a")).toBeUndefined();
    expect(m.active).toBe(1);
  });

  it("keeps an album's uploads until forgotten (leaving the view loses none)", async () => {
    const { m, pending } = manager();
    m.add(file("a"), "k/a", "id/a", "album1", "a");
    m.add(file("b"), "k/b", "id/b", "album2", "b");
    expect(m.forAlbum("album1").map((e) => e.name)).toEqual(["a"]);
    m.forget("id/a"); // still running: kept
    expect(m.forAlbum("album1")).toHaveLength(1);
    await tick();
    pending[0].resolve();
    await tick();
    m.forget("id/a");
    expect(m.forAlbum("album1")).toHaveLength(0);
  });
});
