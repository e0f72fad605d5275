import { describe, expect, it } from "vitest";
import { backendErrorMessage, causeText, errorName, friendlyError, isNetworkError, OFFLINE_MESSAGE } from "./errors";

const lambdaCause = JSON.stringify({
  errorMessage: "image has 120000000 pixels, more than 89478485",
  errorType: "ImageTooLarge",
  stackTrace: ['  File "/var/task/x.py", line 1'],
});

describe("friendlyError", () => {
  it.each([
    ["FileTypeNotSupported", /not supported.*JPEG, PNG, HEIC\/HEIF, AVIF, WebP or GIF/],
    ["ImageIdentifyError", /not an image/],
    ["ImageTooLarge", /too large/],
    ["ImageDecodeError", /damaged/],
    ["States.Timeout", /too long/],
  ])("%s in plain words", (name, title) => {
    expect(friendlyError(name, "").title).toMatch(title);
    expect(friendlyError(name, "").name).toBe(name);
  });

  it("FileTypeNotSupported names every accepted format, and no longer says JPEG or PNG only", () => {
    const { title } = friendlyError("FileTypeNotSupported", "");
    for (const format of ["JPEG", "PNG", "HEIC/HEIF", "AVIF", "WebP", "GIF"]) expect(title).toContain(format);
    expect(title).not.toMatch(/JPEG or PNG/);
    // Also when the name comes from a Lambda error JSON cause.
    expect(friendlyError("States.TaskFailed", JSON.stringify({ errorType: "FileTypeNotSupported", errorMessage: "BMP" })).title).toBe(title);
  });

  it("unwraps a Lambda error JSON cause into its message", () => {
    const f = friendlyError("ImageTooLarge", lambdaCause);
    expect(f.detail).toBe("image has 120000000 pixels, more than 89478485");
    expect(f.detail).not.toContain("stackTrace");
  });

  it("takes the name from the cause when the error is generic", () => {
    expect(errorName("States.TaskFailed", lambdaCause)).toBe("ImageTooLarge");
    expect(friendlyError("States.TaskFailed", lambdaCause).title).toMatch(/too large/);
    expect(errorName(undefined, undefined)).toBe("UnknownError");
  });

  it("keeps plain causes and names unknown errors", () => {
    const f = friendlyError("Weird", "Image type not supported!");
    expect(f.title).toBe("Processing failed (Weird).");
    expect(f.detail).toBe("Image type not supported!");
    expect(friendlyError("Lambda.AWSLambdaException", "").title).toBe("A processing step failed.");
  });

  it("cuts very long causes", () => {
    expect(causeText("x".repeat(2000)).length).toBe(500);
    expect(causeText({ errorMessage: " m " })).toBe("m");
    expect(causeText(null)).toBe("");
  });
});

describe("backend errors", () => {
  it("recognises unreachable backends", () => {
    expect(isNetworkError(new TypeError("Failed to fetch"))).toBe(true);
    expect(isNetworkError(Object.assign(new Error("XHR error"), { name: "TimeoutError" }))).toBe(true);
    expect(isNetworkError(Object.assign(new Error("x"), { $metadata: { httpStatusCode: 400 } }))).toBe(false);
    expect(isNetworkError("Failed to fetch")).toBe(false);
  });
  it("tells what to do against the emulator and against AWS", () => {
    const e = new TypeError("Failed to fetch");
    expect(backendErrorMessage(e, "http://127.0.0.1:4566", "us-east-1")).toMatch(/127\.0\.0\.1:4566.*make up/);
    expect(backendErrorMessage(e, null, "eu-west-1")).toMatch(/AWS \(eu-west-1\)/);
    const nf = Object.assign(new Error("Requested resource not found"), { name: "ResourceNotFoundException" });
    expect(backendErrorMessage(nf, null, "us-east-1")).toMatch(/make webapp/);
  });
  it("offline says offline, not that the stack is down", () => {
    const e = new TypeError("Failed to fetch");
    expect(backendErrorMessage(e, "http://127.0.0.1:4566", "us-east-1", false)).toBe(OFFLINE_MESSAGE);
    expect(OFFLINE_MESSAGE).toMatch(/offline/);
    expect(OFFLINE_MESSAGE).not.toMatch(/make up/);
    // An answer from the backend is shown as it is, online or not.
    const denied = Object.assign(new Error("no"), { name: "AccessDenied", $metadata: { httpStatusCode: 403 } });
    expect(backendErrorMessage(denied, null, "us-east-1", false)).toMatch(/AccessDenied/);
  });
});
