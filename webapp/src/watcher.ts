// Follows one photo through the pipeline: polls its ImageMetadata item with backoff until the
// item is terminal. Never gives up while the pipeline is still working: the state machine
// records every failure in the item, so the item alone tells how a photo ended.

import { isTerminal, pollDelay, viewFromItem, type BackoffOptions, type ImageItem, type View } from "./status";

export interface WatchDeps {
  getItem(imageID: string): Promise<ImageItem | undefined>;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  now(): number;
}

export interface WatchUpdate {
  view: View;
  item?: ImageItem;
  /** Set when the last poll failed (backend unreachable...); polling goes on. */
  pollError?: unknown;
  /** How long the card has been in its current phase. */
  sincePhaseMs: number;
}

export interface WatchOptions {
  signal?: AbortSignal;
  backoff?: BackoffOptions;
  /** A poll error that means polling is pointless (signed out): stop instead of retrying. */
  isFatal?: (err: unknown) => boolean;
}

export function realSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

export async function watchImage(
  imageID: string,
  deps: WatchDeps,
  onUpdate: (u: WatchUpdate) => void,
  opts: WatchOptions = {},
): Promise<View | undefined> {
  const { signal, backoff, isFatal } = opts;
  let attempt = 0;
  let lastKey = "";
  let phaseSince = deps.now();
  let view: View | undefined;
  let item: ImageItem | undefined;

  while (!signal?.aborted) {
    try {
      item = await deps.getItem(imageID);
    } catch (err) {
      onUpdate({ view: view ?? viewFromItem(undefined), item, pollError: err, sincePhaseMs: deps.now() - phaseSince });
      if (isFatal?.(err)) return view;
      await deps.sleep(pollDelay(attempt++, backoff), signal);
      continue;
    }
    view = viewFromItem(item);
    const key = `${view.phase}|${view.executionArn ?? ""}`;
    if (key !== lastKey) {
      if (lastKey !== "") phaseSince = deps.now();
      lastKey = key;
      attempt = 0; // progress: poll briskly again
    }
    onUpdate({ view, item, sincePhaseMs: deps.now() - phaseSince });
    if (isTerminal(view.phase)) return view;
    await deps.sleep(pollDelay(attempt++, backoff), signal);
  }
  return view;
}
