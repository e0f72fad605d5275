// Uploads that outlive the view: a queue with a concurrency limit, one entry per file, kept by
// the app (not the gallery), so leaving an album mid-upload and coming back shows them still
// going. Each entry keeps its File: a failed upload is retried from memory, and one in flight
// can be cancelled.

export type UploadState = "queued" | "uploading" | "uploaded" | "failed" | "cancelled";

export interface UploadEntry {
  /** The photo's imageID (its key without the incoming prefix). */
  imageID: string;
  key: string;
  albumID: string;
  name: string;
  file: File;
  state: UploadState;
  progress: number;
  error?: unknown;
  addedAt: number;
}

export type UploadFn = (entry: UploadEntry, onProgress: (fraction: number) => void, signal: AbortSignal) => Promise<void>;

export class CancelledError extends Error {
  constructor() {
    super("The upload was cancelled.");
    this.name = "CancelledError";
  }
}

export class UploadManager {
  private readonly entries = new Map<string, UploadEntry>();
  private readonly controllers = new Map<string, AbortController>();
  private readonly listeners = new Set<(e: UploadEntry) => void>();
  private running = 0;
  private readonly waiting: string[] = [];

  constructor(
    private readonly upload: UploadFn,
    private readonly limit = 3,
    private readonly now: () => number = Date.now,
  ) {}

  /** Called on every change of any entry; returns the unsubscribe function. */
  subscribe(fn: (e: UploadEntry) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  get(imageID: string): UploadEntry | undefined {
    return this.entries.get(imageID);
  }

  /** The album's uploads this page still knows (finished ones until forgotten). */
  forAlbum(albumID: string): UploadEntry[] {
    return [...this.entries.values()].filter((e) => e.albumID === albumID && e.state !== "cancelled");
  }

  /** How many uploads are queued or in flight (closing the tab would lose them). */
  get active(): number {
    return [...this.entries.values()].filter((e) => e.state === "queued" || e.state === "uploading").length;
  }

  add(file: File, key: string, imageID: string, albumID: string, name: string): UploadEntry {
    const entry: UploadEntry = { imageID, key, albumID, name, file, state: "queued", progress: 0, addedAt: this.now() };
    this.entries.set(imageID, entry);
    this.enqueue(entry);
    return entry;
  }

  /** Uploads a failed (or cancelled) entry's file again, from memory. */
  retry(imageID: string): boolean {
    const e = this.entries.get(imageID);
    if (!e || (e.state !== "failed" && e.state !== "cancelled")) return false;
    this.enqueue(e);
    return true;
  }

  /** Stops a queued or running upload; the entry is dropped. */
  cancel(imageID: string): boolean {
    const e = this.entries.get(imageID);
    if (!e || (e.state !== "queued" && e.state !== "uploading")) return false;
    const i = this.waiting.indexOf(imageID);
    if (i >= 0) this.waiting.splice(i, 1);
    this.controllers.get(imageID)?.abort();
    this.set(e, { state: "cancelled", error: new CancelledError() });
    this.entries.delete(imageID);
    return true;
  }

  /** Forgets a finished entry (its photo is in the listing now, or was deleted). */
  forget(imageID: string): void {
    const e = this.entries.get(imageID);
    if (e && e.state !== "queued" && e.state !== "uploading") this.entries.delete(imageID);
  }

  private enqueue(e: UploadEntry): void {
    this.set(e, { state: "queued", progress: 0, error: undefined });
    this.waiting.push(e.imageID);
    this.pump();
  }

  private pump(): void {
    while (this.running < this.limit && this.waiting.length > 0) {
      const id = this.waiting.shift()!;
      const e = this.entries.get(id);
      if (e && e.state === "queued") void this.start(e);
    }
  }

  private async start(e: UploadEntry): Promise<void> {
    this.running++;
    const controller = new AbortController();
    this.controllers.set(e.imageID, controller);
    this.set(e, { state: "uploading" });
    try {
      await this.upload(e, (f) => this.set(e, { progress: Math.max(0, Math.min(1, f)) }), controller.signal);
      if (!controller.signal.aborted) this.set(e, { state: "uploaded", progress: 1 });
    } catch (err) {
      if (!controller.signal.aborted) this.set(e, { state: "failed", error: err });
    } finally {
      this.controllers.delete(e.imageID);
      this.running--;
      this.pump();
    }
  }

  private set(e: UploadEntry, patch: Partial<UploadEntry>): void {
    Object.assign(e, patch);
    for (const fn of this.listeners) fn(e);
  }
}
