// Follows one photo through the pipeline: polls its ImageMetadata item with backoff until the
// item is terminal. Never gives up while the pipeline is still working; asks describe_execution
// now and then so an execution that died without a record still ends as "failed".

import { isTerminal, pollDelay, viewFromItem, type BackoffOptions, type ExecutionInfo, type ImageItem, type View } from "./status";

export interface WatchDeps {
  getItem(imageID: string): Promise<ImageItem | undefined>;
  describeExecution(executionArn: string): Promise<ExecutionInfo>;
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
  /** Ask describe_execution once the item has been processing this long, then at this interval. */
  describeEveryMs?: number;
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
  const { signal, backoff, describeEveryMs = 10_000 } = opts;
  let attempt = 0;
  let lastKey = "";
  let phaseSince = deps.now();
  let lastDescribe = 0;
  let execution: ExecutionInfo | undefined;
  let view: View | undefined;
  let item: ImageItem | undefined;

  while (!signal?.aborted) {
    try {
      item = await deps.getItem(imageID);
    } catch (err) {
      onUpdate({ view: view ?? viewFromItem(undefined), item, pollError: err, sincePhaseMs: deps.now() - phaseSince });
      await deps.sleep(pollDelay(attempt++, backoff), signal);
      continue;
    }
    view = viewFromItem(item, execution);

    const arn = item?.executionArn;
    if (view.phase === "processing" && arn) {
      if (lastDescribe === 0) lastDescribe = deps.now();
      if (deps.now() - lastDescribe >= describeEveryMs) {
        lastDescribe = deps.now();
        try {
          execution = await deps.describeExecution(arn);
          view = viewFromItem(item, execution);
          if (view.phase === "failed") {
            // The failure may have been recorded meanwhile: prefer the record's error and cause.
            try {
              const again = await deps.getItem(imageID);
              if (again) {
                item = again;
                view = viewFromItem(again, execution);
              }
            } catch {
              /* keep the execution's view */
            }
          }
        } catch {
          /* describe_execution is a second opinion only: keep polling the item */
        }
      }
    }

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
