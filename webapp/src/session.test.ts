import { describe, expect, it } from "vitest";
import { albumHash, parseRoute } from "./route";
import { Session, USER_KEY, type KeyValueStore } from "./session";

function memory(): KeyValueStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
    removeItem: (k) => void data.delete(k),
  };
}

describe("Session", () => {
  it("keeps the user name in storage across instances (reloads)", () => {
    const store = memory();
    expect(new Session(store).userID).toBeNull();
    expect(new Session(store).signIn("  alice ")).toBeNull();
    expect(store.data.get(USER_KEY)).toBe("alice");
    expect(new Session(store).userID).toBe("alice");
    new Session(store).signOut();
    expect(new Session(store).userID).toBeNull();
  });
  it("refuses invalid names and ignores a tampered stored value", () => {
    const store = memory();
    expect(new Session(store).signIn("a/b")).toMatch(/“\/”/);
    expect(store.data.size).toBe(0);
    store.data.set(USER_KEY, "x/y");
    expect(new Session(store).userID).toBeNull();
  });
});

describe("routes", () => {
  it("round-trips album IDs with slashes, spaces and non-ASCII", () => {
    const id = "zoë/Summer 2026 #1";
    expect(parseRoute(albumHash(id))).toEqual({ name: "album", albumID: id });
  });
  it("falls back to the album list", () => {
    expect(parseRoute("")).toEqual({ name: "albums" });
    expect(parseRoute("#/")).toEqual({ name: "albums" });
    expect(parseRoute("#/album/%E0%A4%A")).toEqual({ name: "albums" });
  });
});
