// Plain-words text for pipeline failures and backend errors.

import { ACCEPTED_FORMATS_TEXT } from "./filetype";

export interface FriendlyError {
  /** The error name as recorded (e.g. "FileTypeNotSupported"). */
  name: string;
  /** One sentence for people. */
  title: string;
  /** The recorded cause in plain text (Lambda error JSON unwrapped); may be empty. */
  detail: string;
}

const TITLES: Record<string, string> = {
  FileTypeNotSupported: `This file type is not supported. Upload a ${ACCEPTED_FORMATS_TEXT} photo.`,
  ImageIdentifyError: "This file is not an image we can read.",
  ImageTooLarge: "This image is too large to process (too many pixels).",
  ImageDecodeError: "This image is damaged and could not be decoded.",
  OwnerMismatch: "This upload claimed an album of another owner and was not processed.",
  "States.Timeout": "Processing took too long and was stopped.",
  "States.TaskFailed": "A processing step failed.",
  "States.Runtime": "The pipeline hit an internal error.",
  "States.Permissions": "The pipeline lacks a permission it needs.",
  "Lambda.ServiceException": "The processing service failed; try uploading again.",
  "Lambda.TooManyRequestsException": "The processing service was too busy; try uploading again.",
  "Lambda.Unknown": "A processing step crashed (out of memory or time?).",
  ABORTED: "Processing was stopped.",
  TIMED_OUT: "Processing took too long and was stopped.",
};

/**
 * The cause of a failure as readable text. Step Functions passes a Lambda error as a JSON
 * string ({"errorMessage", "errorType", "stackTrace"}); only its message is for people.
 */
export function causeText(cause: unknown): string {
  if (cause === null || cause === undefined) return "";
  if (typeof cause === "object") {
    const c = cause as Record<string, unknown>;
    if (typeof c.errorMessage === "string") return c.errorMessage.trim();
    if (typeof c.Cause === "string") return causeText(c.Cause);
    return "";
  }
  const s = String(cause).trim();
  if (s.startsWith("{")) {
    try {
      const parsed = JSON.parse(s) as Record<string, unknown>;
      if (typeof parsed.errorMessage === "string") return parsed.errorMessage.trim();
      if (typeof parsed.Cause === "string") return causeText(parsed.Cause);
      if (typeof parsed.message === "string") return parsed.message.trim();
    } catch {
      /* not JSON: shown as it is */
    }
  }
  return s.length > 500 ? `${s.slice(0, 497)}...` : s;
}

/** The error name, taking it from a Lambda error JSON cause when `error` is generic. */
export function errorName(error: unknown, cause: unknown): string {
  const e = typeof error === "string" ? error.trim() : "";
  if (e && e !== "States.TaskFailed" && e !== "Error") return e;
  if (typeof cause === "string" && cause.trim().startsWith("{")) {
    try {
      const t = (JSON.parse(cause) as Record<string, unknown>).errorType;
      if (typeof t === "string" && t) return t;
    } catch {
      /* ignore */
    }
  }
  return e || "UnknownError";
}

export function friendlyError(error: unknown, cause: unknown): FriendlyError {
  const name = errorName(error, cause);
  let title = TITLES[name];
  if (!title) title = name.startsWith("Lambda.") ? "A processing step failed." : `Processing failed (${name}).`;
  let detail = causeText(cause);
  if (detail === title) detail = "";
  return { name, title, detail };
}

/** True when a thrown error means the backend could not be reached at all. */
export function isNetworkError(err: unknown): boolean {
  if (!err || typeof err !== "object") return false;
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  if (e.$metadata?.httpStatusCode) return false;
  const msg = `${e.name ?? ""} ${e.message ?? ""}`;
  return /Failed to fetch|NetworkError|Network request failed|Load failed|ECONNREFUSED|ERR_CONNECTION|TimeoutError|socket hang up|XHR error|Network Error/i.test(
    msg,
  );
}

export const OFFLINE_MESSAGE = "You are offline. Check your connection: the app carries on when you are back online.";

/** Whether the browser says it has a network (true outside a browser). */
export function browserOnline(): boolean {
  const nav = (globalThis as { navigator?: { onLine?: boolean } }).navigator;
  return nav?.onLine !== false;
}

/** A message for a failed AWS call, in plain words. Offline is said as such, whatever failed. */
export function backendErrorMessage(err: unknown, endpoint: string | null, region: string, online = browserOnline()): string {
  if (!online && (isNetworkError(err) || !(err as { $metadata?: unknown })?.$metadata)) return OFFLINE_MESSAGE;
  if (isNetworkError(err)) {
    return endpoint
      ? `Cannot reach the backend at ${endpoint}. Is the local stack running? Start it with \`make up\`.`
      : `Cannot reach AWS (${region}). Check your network connection.`;
  }
  const e = err as { name?: string; message?: string };
  if (e?.name === "ResourceNotFoundException" || e?.name === "NoSuchBucket") {
    return `The backend does not have a resource this app expects (${e.name}: ${e.message ?? ""}). Is config.json from the current deployment? Run \`make webapp\`.`;
  }
  if (e?.name === "CancelledError") return "The upload was cancelled.";
  if (e?.name === "ReprocessNotAllowed") return `The retry was refused: ${e.message ?? "only your own photos can be retried"}.`;
  if (e?.name === "SessionExpiredError") return e.message ?? "Your session has ended. Sign in again.";
  if (e?.name === "NotYoursError") return `${e.message ?? ""} Only your own albums and photos can be opened.`.trim();
  if (e?.name === "NotAuthorizedException") {
    return `The identity pool refused your sign-in (NotAuthorizedException). ${e.message ?? ""} Sign out and sign in again.`.trim();
  }
  if (e?.name === "AccessDeniedException" || e?.name === "AccessDenied" || e?.name === "Forbidden") {
    return `The backend refused access (${e.name}). ${e.message ?? ""}`.trim();
  }
  return `${e?.name ?? "Error"}: ${e?.message ?? String(err)}`;
}
