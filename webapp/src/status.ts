// What a photo card shows, from the ImageMetadata item alone: its terminal state (SUCCEEDED or
// FAILED) is the backend's guarantee (the state machine records every failure).

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
  /** Every size the pipeline wrote (by default `thumbnail`, 250 px box, and `preview`, 1280 px box). */
  renditions?: RenditionItem[];
  /** A BlurHash of the smallest rendition, painted until a picture loads. */
  placeholder?: string;
  contentHash?: string;
  perceptualHash?: string;
  /** The imageID of an earlier photo of the same owner with the same bytes or the same picture. */
  duplicateOf?: string;
  /** Present only on photos the optional moderation step flagged. */
  moderationLabels?: ModerationLabel[];
  attempt?: number;
  error?: string;
  cause?: string;
}

export interface RenditionItem {
  name?: string;
  s3Key: string;
  width?: number;
  height?: number;
  bytes?: number;
  /** "JPEG", "PNG" or "WEBP". */
  format?: string;
}

/** A Rekognition DetectModerationLabels label as stored. */
export interface ModerationLabel {
  name: string;
  confidence?: number;
  parentName?: string;
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

/**
 * The card's state after the upload finished. `item` undefined: the trigger has not written the
 * record yet.
 */
export function viewFromItem(item: ImageItem | undefined): View {
  if (!item) return { phase: "uploaded", label: "Uploaded, waiting for the pipeline" };
  const arn = item.executionArn;
  switch (item.processingStatus) {
    case "SUCCEEDED":
      return { phase: "done", label: "Done", executionArn: arn };
    case "FAILED":
      return { phase: "failed", label: "Failed", executionArn: arn, error: friendlyError(item.error, item.cause) };
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
