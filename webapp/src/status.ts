// What a photo card shows, from the ImageMetadata item and (optionally) describe_execution.

import { friendlyError, type FriendlyError } from "./errors";

export type Phase = "uploading" | "upload-failed" | "uploaded" | "processing" | "done" | "failed";

export interface ImageItem {
  imageID: string;
  s3key?: string;
  userID?: string;
  albumID?: string;
  uploadTime?: number;
  processingStatus?: "PENDING" | "RUNNING" | "SUCCEEDED" | "FAILED" | string;
  executionArn?: string;
  imageFormat?: string;
  dimensions?: { width: number; height: number };
  fileSize?: number;
  exifMake?: string;
  exifModel?: string;
  creationTime?: string;
  geo?: { latitude: number; longitude: number };
  tags?: unknown[];
  thumbnail?: { s3Bucket: string; s3Key: string };
  error?: string;
  cause?: string;
}

/** describe_execution's output: {executionArn, status, startDate, stopDate?, error?, cause?}. */
export interface ExecutionInfo {
  executionArn: string;
  status: "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED" | "PENDING_REDRIVE" | string;
  startDate?: string;
  stopDate?: string;
  error?: string;
  cause?: string;
}

export interface View {
  phase: Phase;
  label: string;
  executionArn?: string;
  error?: FriendlyError;
}

export function isTerminal(phase: Phase): boolean {
  return phase === "done" || phase === "failed" || phase === "upload-failed";
}

const FAILED_EXECUTION = new Set(["FAILED", "TIMED_OUT", "ABORTED"]);

/**
 * The card's state after the upload finished. `item` undefined: the trigger has not written the
 * record yet. `execution`: the latest describe_execution answer for the item's execution, used
 * only when the item is not terminal (an execution that died without recording its failure).
 */
export function viewFromItem(item: ImageItem | undefined, execution?: ExecutionInfo): View {
  if (!item) return { phase: "uploaded", label: "Uploaded, waiting for the pipeline" };
  const arn = item.executionArn;
  switch (item.processingStatus) {
    case "SUCCEEDED":
      return { phase: "done", label: "Done", executionArn: arn };
    case "FAILED":
      return { phase: "failed", label: "Failed", executionArn: arn, error: friendlyError(item.error, item.cause) };
  }
  if (execution && arn && execution.executionArn === arn && FAILED_EXECUTION.has(execution.status)) {
    return {
      phase: "failed",
      label: "Failed",
      executionArn: arn,
      error: friendlyError(execution.error ?? execution.status, execution.cause),
    };
  }
  if (item.processingStatus === "PENDING" || item.processingStatus === "RUNNING" || arn) {
    return { phase: "processing", label: "Processing", executionArn: arn };
  }
  return { phase: "uploaded", label: "Uploaded, waiting for the pipeline" };
}

export interface BackoffOptions {
  initialMs?: number;
  factor?: number;
  maxMs?: number;
}

/** Delay before poll number `attempt` (0-based): 500 ms, x1.5 each time, capped at 5 s. Never gives up. */
export function pollDelay(attempt: number, opts: BackoffOptions = {}): number {
  const { initialMs = 500, factor = 1.5, maxMs = 5000 } = opts;
  const a = Math.max(0, Math.floor(attempt));
  return Math.min(maxMs, Math.round(initialMs * Math.pow(factor, Math.min(a, 60))));
}
