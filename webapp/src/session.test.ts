import { describe, expect, it } from "vitest";
import type { Tokens } from "./auth";
import { albumHash, parseRoute } from "./route";
import { GUEST_IDENTITY_KEY, parseSession, Session, SESSION_KEY, SessionExpiredError, type ChangeReason, type KeyValueStore, type TokenService } from "./session";
import { fakeJwt } from "./testing/jwt";

function memory(): KeyValueStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
    removeItem: (k) => void data.delete(k),
  };
}

const HOUR = 3600_000;
const named = (name: string, message = "") => Object.assign(new Error(message), { name });

/** A fake pool, clock and timer queue. */
function harness(opts: { name?: string | null; refresh?: (rt: string) => Promise<Tokens> } = {}) {
  let t = 1_000_000;
  const timers: { at: number; fn: () => void; id: number }[] = [];
  let nextId = 1;
  const calls: string[] = [];
  const tokens = (n: number, expiresAt = t + HOUR): Tokens => ({
    idToken: fakeJwt({ sub: "sub-zoe", email: "zoe@example.com", ...(opts.name === null ? {} : { name: opts.name ?? "Zoë Ångström" }), n }),
    accessToken: `acc-${n}`,
    refreshToken: "ref-1",
    expiresAt,
  });
  let n = 1;
  const pool: TokenService = {
    refresh: async (rt) => {
      calls.push(`refresh:${rt}`);
      if (opts.refresh) return opts.refresh(rt);
      return tokens(++n);
    },
    signOut: async (tk) => void calls.push(`signOut:${tk.refreshToken}`),
    attributes: async (acc) => {
      calls.push(`attributes:${acc}`);
      return { name: "李雷" };
    },
  };
  const store = memory();
  const clock = {
    now: () => t,
    setTimer: (fn: () => void, ms: number) => {
      const id = nextId++;
      timers.push({ at: t + ms, fn, id });
      return id;
    },
    clearTimer: (id: unknown) => {
      const i = timers.findIndex((x) => x.id === id);
      if (i >= 0) timers.splice(i, 1);
    },
  };
  const make = () => new Session(store, pool, clock);
  /** Advances the clock, firing due timers. */
  const advance = async (ms: number) => {
    t += ms;
    for (;;) {
      timers.sort((a, b) => a.at - b.at);
      const due = timers[0];
      if (!due || due.at > t) break;
      timers.shift();
      due.fn();
      await new Promise((r) => setTimeout(r, 0));
    }
  };
  return { store, pool, calls, tokens, make, advance, timers, now: () => t };
}

describe("Session", () => {
  it("keeps a signed-in user across instances (reloads), display name from the ID token", async () => {
    const h = harness();
    const s = h.make();
    const reasons: ChangeReason[] = [];
    s.onChange((_s, r) => reasons.push(r));
    const u = await s.signInUser("zoe@example.com", h.tokens(1));
    expect(u).toMatchObject({ kind: "user", email: "zoe@example.com", displayName: "Zoë Ångström", sub: "sub-zoe" });
    expect(reasons).toEqual(["signed-in"]);
    const again = h.make();
    expect(again.state).toEqual(u);
    expect(await again.restore()).toEqual(u);
    expect(await again.idToken()).toBe(u.tokens.idToken);
    expect(h.calls).toEqual([]);
  });

  it("asks GetUser for the name when the ID token lacks it", async () => {
    const h = harness({ name: null });
    const u = await h.make().signInUser("li@example.cn", h.tokens(1));
    expect(u.displayName).toBe("李雷");
    expect(h.calls).toEqual(["attributes:acc-1"]);
  });

  it("refreshes the ID token 5 minutes before it expires, on a timer", async () => {
    const h = harness();
    const s = h.make();
    const reasons: ChangeReason[] = [];
    s.onChange((_s, r) => reasons.push(r));
    const first = await s.signInUser("zoe@example.com", h.tokens(1));
    await h.advance(HOUR - 5 * 60_000 - 1);
    expect(h.calls).toEqual([]);
    await h.advance(1);
    expect(h.calls).toEqual(["refresh:ref-1"]);
    const now = s.state;
    expect(now?.kind === "user" && now.tokens.idToken).not.toBe(first.tokens.idToken);
    expect(now?.kind === "user" && now.tokens.refreshToken).toBe("ref-1");
    expect(reasons).toEqual(["signed-in", "refreshed"]);
    // and again an hour later
    await h.advance(HOUR);
    expect(h.calls).toEqual(["refresh:ref-1", "refresh:ref-1"]);
  });

  it("refreshes on demand when a token is asked for late (timers delayed, reload after expiry)", async () => {
    const h = harness();
    await h.make().signInUser("zoe@example.com", h.tokens(1, 1_000_000 + 60_000));
    const s = h.make(); // reload: no timer yet
    const [a, b] = await Promise.all([s.idToken(), s.idToken()]);
    expect(a).toBe(b);
    expect(h.calls).toEqual(["refresh:ref-1"]); // one refresh for both callers
  });

  it("restore() refreshes a token that expired while the page was closed", async () => {
    const h = harness();
    await h.make().signInUser("zoe@example.com", h.tokens(1));
    h.timers.length = 0; // the page is closed: its timers are gone
    await h.advance(2 * HOUR);
    const s = h.make();
    const r = await s.restore();
    expect(r?.kind).toBe("user");
    expect(h.calls).toEqual(["refresh:ref-1"]);
  });

  it("ends the session when the pool refuses the refresh token", async () => {
    const h = harness({ refresh: async () => Promise.reject(named("NotAuthorizedException", "Refresh Token has been revoked")) });
    const s = h.make();
    const reasons: ChangeReason[] = [];
    s.onChange((_s, r) => reasons.push(r));
    await s.signInUser("zoe@example.com", h.tokens(1));
    await h.advance(2 * HOUR);
    await expect(s.idToken()).rejects.toBeInstanceOf(SessionExpiredError);
    expect(s.state).toBeNull();
    expect(reasons).toEqual(["signed-in", "expired"]);
    expect(await h.make().restore()).toBeNull();
  });

  it("keeps the session while the pool is unreachable, using a still-valid token", async () => {
    const h = harness({ refresh: async () => Promise.reject(new TypeError("Failed to fetch")) });
    const s = h.make();
    const u = await s.signInUser("zoe@example.com", h.tokens(1));
    await h.advance(HOUR - 4 * 60_000); // inside the refresh margin, not expired
    expect(await s.idToken()).toBe(u.tokens.idToken);
    expect(s.state?.kind).toBe("user");
    await h.advance(10 * 60_000); // now expired: no token to give
    await expect(s.idToken()).rejects.toThrow("Failed to fetch");
    expect(s.state?.kind).toBe("user");
  });

  it("signs out: revokes on the server and forgets the session and timers", async () => {
    const h = harness();
    const s = h.make();
    const reasons: ChangeReason[] = [];
    s.onChange((st, r) => reasons.push(r) && expect(st).toBeNull());
    await s.signInUser("zoe@example.com", h.tokens(1));
    expect(h.timers).toHaveLength(1);
    await s.signOut();
    expect(h.calls).toEqual(["signOut:ref-1"]);
    expect(h.store.data.has(SESSION_KEY)).toBe(false);
    expect(h.timers).toHaveLength(0);
    expect(reasons).toEqual(["signed-in", "signed-out"]);
    await expect(s.idToken()).rejects.toBeInstanceOf(SessionExpiredError);
  });

  it("guests: kept across reloads, no tokens; leaving forgets the guest identity", async () => {
    const h = harness();
    const s = h.make();
    s.signInGuest();
    h.store.setItem(GUEST_IDENTITY_KEY, "us-east-1:11111111-2222-3333-4444-555555555555");
    expect(h.make().state).toEqual({ kind: "guest" });
    await expect(s.idToken()).rejects.toBeInstanceOf(SessionExpiredError);
    await s.signOut();
    expect(h.calls).toEqual([]);
    expect(h.store.data.size).toBe(0);
  });

  it("ignores a stored value it did not write", () => {
    expect(parseSession(null)).toBeNull();
    expect(parseSession("alice")).toBeNull();
    expect(parseSession(JSON.stringify({ kind: "user", email: "a" }))).toBeNull();
    expect(parseSession(JSON.stringify({ kind: "admin" }))).toBeNull();
    const h = harness();
    h.store.setItem(SESSION_KEY, "{");
    expect(h.make().state).toBeNull();
  });
});

describe("routes", () => {
  it("round-trip album keys", () => {
    expect(parseRoute(albumHash("AbC-_12xyz90"))).toEqual({ name: "album", albumKey: "AbC-_12xyz90" });
  });
  it("fall back to the album list for anything else", () => {
    expect(parseRoute("")).toEqual({ name: "albums" });
    expect(parseRoute("#/")).toEqual({ name: "albums" });
    expect(parseRoute("#/album/%E0%A4%A")).toEqual({ name: "albums" });
    // An old-style "<user>/<name>" id, or another identity's album id, is not a route.
    expect(parseRoute("#/album/us-east-1%3A1111%2FAbC")).toEqual({ name: "albums" });
    expect(parseRoute("#/album/Ferien%20Z%C3%BCrich")).toEqual({ name: "albums" });
  });
});
