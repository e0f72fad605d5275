// Who is signed in, kept across reloads (localStorage): a user of the pool with their tokens, or
// a guest. The ID token is refreshed (REFRESH_TOKEN_AUTH) a few minutes before it expires, on a
// timer and whenever it is asked for; a refresh the pool refuses ends the session ("expired").

import { authErrorMessage, decodeJwtClaims, type Tokens } from "./auth";
import { isNetworkError } from "./errors";

export const SESSION_KEY = "imagePipeline.session";
/** Where a guest's identity id is kept (the credential provider's cache), so a reload keeps it. */
export const GUEST_IDENTITY_KEY = "imagePipeline.guestIdentityId";
export const REFRESH_MARGIN_MS = 5 * 60_000;
const RETRY_MS = 30_000;

export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface UserSession {
  kind: "user";
  email: string;
  /** The user's `name` attribute. */
  displayName: string;
  /** The user's id in the pool (the ID token's `sub`). */
  sub: string;
  tokens: Tokens;
}

export interface GuestSession {
  kind: "guest";
}

export type SessionState = UserSession | GuestSession;

export type ChangeReason = "signed-in" | "signed-out" | "expired" | "refreshed";

/** What the session needs from the user pool (auth.ts's UserPool). */
export interface TokenService {
  refresh(refreshToken: string): Promise<Tokens>;
  signOut(tokens: Pick<Tokens, "refreshToken" | "accessToken">): Promise<unknown>;
  attributes(accessToken: string): Promise<Record<string, string>>;
}

export class SessionExpiredError extends Error {
  constructor(message = "Your session has ended. Sign in again.") {
    super(message);
    this.name = "SessionExpiredError";
  }
}

export interface SessionOptions {
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  refreshMarginMs?: number;
}

function isTokens(v: unknown): v is Tokens {
  const t = v as Tokens;
  return (
    !!t &&
    typeof t.idToken === "string" &&
    typeof t.accessToken === "string" &&
    typeof t.refreshToken === "string" &&
    typeof t.expiresAt === "number" &&
    Number.isFinite(t.expiresAt)
  );
}

/** A stored session, or null when there is none or it is not one this app wrote. */
export function parseSession(text: string | null): SessionState | null {
  if (!text) return null;
  try {
    const v = JSON.parse(text) as Record<string, unknown>;
    if (v?.kind === "guest") return { kind: "guest" };
    if (
      v?.kind === "user" &&
      typeof v.email === "string" &&
      typeof v.displayName === "string" &&
      typeof v.sub === "string" &&
      isTokens(v.tokens)
    ) {
      return { kind: "user", email: v.email, displayName: v.displayName, sub: v.sub, tokens: v.tokens };
    }
  } catch {
    /* not JSON: no session */
  }
  return null;
}

export class Session {
  private readonly listeners: ((s: SessionState | null, reason: ChangeReason) => void)[] = [];
  private refreshing: Promise<Tokens> | null = null;
  private timer: unknown = null;
  private readonly now: () => number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;
  private readonly margin: number;

  constructor(
    private readonly store: KeyValueStore,
    private readonly pool: TokenService,
    opts: SessionOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.setTimer = opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = opts.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
    this.margin = opts.refreshMarginMs ?? REFRESH_MARGIN_MS;
  }

  /** The current session, read from the store (another tab may have refreshed or ended it). */
  get state(): SessionState | null {
    try {
      return parseSession(this.store.getItem(SESSION_KEY));
    } catch {
      return null;
    }
  }

  onChange(listener: (s: SessionState | null, reason: ChangeReason) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Starts a user's session from InitiateAuth's tokens. The display name and the user's id come
   * from the ID token's claims (`name`, `sub`), or from GetUser when the token lacks `name`.
   */
  async signInUser(email: string, tokens: Tokens): Promise<UserSession> {
    const claims = decodeJwtClaims(tokens.idToken);
    let displayName = typeof claims.name === "string" ? claims.name : "";
    if (!displayName) {
      try {
        displayName = (await this.pool.attributes(tokens.accessToken)).name ?? "";
      } catch {
        /* the email then stands in */
      }
    }
    const session: UserSession = {
      kind: "user",
      email: typeof claims.email === "string" ? claims.email : email.trim(),
      displayName: displayName || email.trim(),
      sub: typeof claims.sub === "string" ? claims.sub : email.trim(),
      tokens,
    };
    this.store.removeItem(GUEST_IDENTITY_KEY);
    this.write(session);
    this.schedule();
    this.emit("signed-in");
    return session;
  }

  signInGuest(): GuestSession {
    const session: GuestSession = { kind: "guest" };
    this.write(session);
    this.cancelTimer();
    this.emit("signed-in");
    return session;
  }

  /**
   * After a reload: refreshes a user's tokens if they expire soon (or did). A refresh the pool
   * refuses ends the session; an unreachable pool keeps it (retried later).
   */
  async restore(): Promise<SessionState | null> {
    const s = this.state;
    if (s?.kind !== "user") return s;
    if (this.needsRefresh(s.tokens)) {
      try {
        await this.refreshNow();
      } catch (err) {
        if (err instanceof SessionExpiredError) return null;
        // Unreachable: keep the session; the next idToken() or the timer tries again.
      }
    }
    this.schedule();
    return this.state;
  }

  /** A valid ID token for the signed-in user, refreshed first when it expires soon. */
  async idToken(): Promise<string> {
    const s = this.state;
    if (s?.kind !== "user") throw new SessionExpiredError("Not signed in.");
    if (!this.needsRefresh(s.tokens)) return s.tokens.idToken;
    try {
      return (await this.refreshNow()).idToken;
    } catch (err) {
      // Still valid for a while (the refresh was early): use it.
      if (!(err instanceof SessionExpiredError) && s.tokens.expiresAt > this.now()) return s.tokens.idToken;
      throw err;
    }
  }

  /** Signs out: revokes the refresh token on the server (best effort) and forgets the session. */
  async signOut(): Promise<void> {
    const s = this.state;
    this.clear();
    this.emit("signed-out");
    if (s?.kind === "user") {
      try {
        await this.pool.signOut(s.tokens);
      } catch {
        /* forgotten here whatever the server says */
      }
    }
  }

  /** Ends the session without asking the server (refresh refused, identity refused the token). */
  expire(): void {
    if (!this.state) return;
    this.clear();
    this.emit("expired");
  }

  private needsRefresh(t: Tokens): boolean {
    return t.expiresAt - this.margin <= this.now();
  }

  /** One refresh at a time; every caller waits for the same one. */
  private refreshNow(): Promise<Tokens> {
    if (this.refreshing) return this.refreshing;
    const s = this.state;
    if (s?.kind !== "user") return Promise.reject(new SessionExpiredError("Not signed in."));
    this.refreshing = this.pool
      .refresh(s.tokens.refreshToken)
      .then(
        (tokens) => {
          const now = this.state;
          // Signed out (or someone else signed in) meanwhile: drop these tokens.
          if (now?.kind !== "user" || now.sub !== s.sub) throw new SessionExpiredError("Signed out.");
          this.write({ ...now, tokens });
          this.schedule();
          this.emit("refreshed");
          return tokens;
        },
        (err: unknown) => {
          if (isNetworkError(err) || (err as { name?: string })?.name === "TooManyRequestsException") {
            this.schedule(RETRY_MS);
            throw err;
          }
          this.expire();
          throw new SessionExpiredError(authErrorMessage(err, "refresh").message);
        },
      )
      .finally(() => {
        this.refreshing = null;
      });
    return this.refreshing;
  }

  /** Refresh `margin` before the ID token expires (or after `delayMs`). */
  private schedule(delayMs?: number): void {
    this.cancelTimer();
    const s = this.state;
    if (s?.kind !== "user") return;
    const ms = delayMs ?? Math.max(0, s.tokens.expiresAt - this.margin - this.now());
    this.timer = this.setTimer(() => {
      this.timer = null;
      this.refreshNow().catch(() => undefined);
    }, ms);
  }

  private cancelTimer(): void {
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
  }

  private write(s: SessionState): void {
    this.store.setItem(SESSION_KEY, JSON.stringify(s));
  }

  private clear(): void {
    this.cancelTimer();
    this.store.removeItem(SESSION_KEY);
    this.store.removeItem(GUEST_IDENTITY_KEY);
  }

  private emit(reason: ChangeReason): void {
    const s = this.state;
    for (const l of this.listeners) {
      try {
        l(s, reason);
      } catch (err) {
        console.error(err);
      }
    }
  }
}
