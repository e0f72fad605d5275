// Sign-up, sign-in, refresh and sign-out against the Cognito user pool (USER_PASSWORD_AUTH and
// REFRESH_TOKEN_AUTH with the pool's web client, which has no secret).

import {
  CognitoIdentityProviderClient,
  ConfirmSignUpCommand,
  GetUserCommand,
  GlobalSignOutCommand,
  InitiateAuthCommand,
  ResendConfirmationCodeCommand,
  RevokeTokenCommand,
  SignUpCommand,
  type AuthenticationResultType,
} from "@aws-sdk/client-cognito-identity-provider";

import type { WebappConfig } from "./config";
import { isNetworkError } from "./errors";

/** The subset of an SDK client used here (`send`), so tests can pass a fake. */
export interface Sender {
  send(command: unknown): Promise<unknown>;
}

export interface Tokens {
  idToken: string;
  accessToken: string;
  refreshToken: string;
  /** When the ID token stops being valid, epoch ms on this machine's clock. */
  expiresAt: number;
}

export interface SignUpResult {
  /** False: a confirmation code was sent (ConfirmSignUp). True: the pool confirmed the user (sign in now). */
  userConfirmed: boolean;
  /** Where the code went ("e***@example.com"), when one was sent. */
  destination?: string;
}

/** InitiateAuth answered with a challenge this client does not handle (MFA, new password...). */
export class AuthChallengeError extends Error {
  constructor(readonly challenge: string) {
    super(`Sign-in needs a step this test client does not support (${challenge}).`);
    this.name = "AuthChallengeError";
  }
}

export function createUserPoolClient(config: WebappConfig): CognitoIdentityProviderClient {
  // Every call used here is unauthenticated (or takes a token), so the client needs no credentials.
  return new CognitoIdentityProviderClient({ region: config.region, endpoint: config.endpoint ?? undefined });
}

function base64UrlDecode(part: string): Uint8Array {
  const b64 = part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "=");
  const bin = atob(b64);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/**
 * The claims of a JWT (no signature check: the identity pool and the services check tokens; the
 * app only reads its own display name and expiry from them). The payload is UTF-8 JSON, so
 * non-ASCII names decode exactly.
 */
export function decodeJwtClaims(token: string): Record<string, unknown> {
  const parts = token.split(".");
  if (parts.length !== 3) throw new Error("not a JWT");
  const json = new TextDecoder("utf-8", { fatal: true }).decode(base64UrlDecode(parts[1]));
  const claims = JSON.parse(json) as unknown;
  if (!claims || typeof claims !== "object" || Array.isArray(claims)) throw new Error("JWT claims are not an object");
  return claims as Record<string, unknown>;
}

/**
 * When tokens from an AuthenticationResult stop being valid, on the local clock: the shorter of
 * ExpiresIn and the ID token's own lifetime (exp - iat), counted from now, so a skewed local
 * clock does not matter.
 */
export function tokenExpiry(idToken: string, expiresInS: number | undefined, now: number): number {
  let lifetime = typeof expiresInS === "number" && expiresInS > 0 ? expiresInS : Infinity;
  try {
    const c = decodeJwtClaims(idToken);
    if (typeof c.exp === "number" && typeof c.iat === "number" && c.exp > c.iat) lifetime = Math.min(lifetime, c.exp - c.iat);
  } catch {
    /* not decodable: ExpiresIn alone */
  }
  if (!Number.isFinite(lifetime)) lifetime = 3600;
  return now + lifetime * 1000;
}

export class UserPool {
  constructor(
    private readonly config: Pick<WebappConfig, "userPoolClientId">,
    private readonly client: Sender,
    private readonly now: () => number = Date.now,
  ) {}

  /** SignUp with the email as username and the display name as the `name` attribute. */
  async signUp(email: string, password: string, displayName: string): Promise<SignUpResult> {
    const out = (await this.client.send(
      new SignUpCommand({
        ClientId: this.config.userPoolClientId,
        Username: email.trim(),
        Password: password,
        UserAttributes: [
          { Name: "email", Value: email.trim() },
          { Name: "name", Value: displayName.trim() },
        ],
      }),
    )) as { UserConfirmed?: boolean; CodeDeliveryDetails?: { Destination?: string } };
    return { userConfirmed: out.UserConfirmed === true, destination: out.CodeDeliveryDetails?.Destination };
  }

  async confirmSignUp(email: string, code: string): Promise<void> {
    await this.client.send(
      new ConfirmSignUpCommand({ ClientId: this.config.userPoolClientId, Username: email.trim(), ConfirmationCode: code.trim() }),
    );
  }

  async resendCode(email: string): Promise<string | undefined> {
    const out = (await this.client.send(
      new ResendConfirmationCodeCommand({ ClientId: this.config.userPoolClientId, Username: email.trim() }),
    )) as { CodeDeliveryDetails?: { Destination?: string } };
    return out.CodeDeliveryDetails?.Destination;
  }

  async signIn(email: string, password: string): Promise<Tokens> {
    const out = (await this.client.send(
      new InitiateAuthCommand({
        ClientId: this.config.userPoolClientId,
        AuthFlow: "USER_PASSWORD_AUTH",
        AuthParameters: { USERNAME: email.trim(), PASSWORD: password },
      }),
    )) as { AuthenticationResult?: AuthenticationResultType; ChallengeName?: string };
    return this.tokens(out, undefined);
  }

  /** New ID and access tokens from the refresh token (kept, unless the pool rotates it). */
  async refresh(refreshToken: string): Promise<Tokens> {
    const out = (await this.client.send(
      new InitiateAuthCommand({
        ClientId: this.config.userPoolClientId,
        AuthFlow: "REFRESH_TOKEN_AUTH",
        AuthParameters: { REFRESH_TOKEN: refreshToken },
      }),
    )) as { AuthenticationResult?: AuthenticationResultType; ChallengeName?: string };
    return this.tokens(out, refreshToken);
  }

  /** The user's attributes (GetUser with the access token), as a name -> value map. */
  async attributes(accessToken: string): Promise<Record<string, string>> {
    const out = (await this.client.send(new GetUserCommand({ AccessToken: accessToken }))) as {
      UserAttributes?: { Name?: string; Value?: string }[];
    };
    const attrs: Record<string, string> = {};
    for (const a of out.UserAttributes ?? []) if (a.Name && a.Value !== undefined) attrs[a.Name] = a.Value;
    return attrs;
  }

  /**
   * Ends the session on the server: RevokeToken (this refresh token and the tokens it issued);
   * where the pool cannot revoke, GlobalSignOut with the access token. Best effort: the caller
   * forgets the tokens whatever happens. Returns how it ended.
   */
  async signOut(tokens: Pick<Tokens, "refreshToken" | "accessToken">): Promise<"revoked" | "signed-out" | "failed"> {
    try {
      await this.client.send(new RevokeTokenCommand({ ClientId: this.config.userPoolClientId, Token: tokens.refreshToken }));
      return "revoked";
    } catch {
      // Not supported by this pool or endpoint (the local emulator answers RevokeToken with a
      // bare 500, which a browser sees as a network error): end the session another way.
    }
    try {
      await this.client.send(new GlobalSignOutCommand({ AccessToken: tokens.accessToken }));
      return "signed-out";
    } catch {
      return "failed";
    }
  }

  private tokens(
    out: { AuthenticationResult?: AuthenticationResultType; ChallengeName?: string },
    previousRefresh: string | undefined,
  ): Tokens {
    if (out.ChallengeName) throw new AuthChallengeError(out.ChallengeName);
    const r = out.AuthenticationResult;
    const refreshToken = r?.RefreshToken ?? previousRefresh;
    if (!r?.IdToken || !r.AccessToken || !refreshToken) throw new Error("The user pool answered without tokens.");
    return {
      idToken: r.IdToken,
      accessToken: r.AccessToken,
      refreshToken,
      expiresAt: tokenExpiry(r.IdToken, r.ExpiresIn, this.now()),
    };
  }
}

export type AuthStep = "sign-in" | "sign-up" | "confirm" | "refresh";

export interface AuthProblem {
  /** The error name (UsernameExistsException, ...), for tests and people who search for it. */
  name: string;
  message: string;
}

/** A plain-words message for a failed user pool call, by error name and step. */
export function authErrorMessage(err: unknown, step: AuthStep, endpoint: string | null = null): AuthProblem {
  const e = (err ?? {}) as { name?: string; message?: string };
  const name = e.name ?? "Error";
  const raw = (e.message ?? "").trim();
  if (isNetworkError(err)) {
    return {
      name: "NetworkError",
      message: endpoint
        ? `Cannot reach the sign-in service at ${endpoint}. Is the local stack running? Start it with \`make up\`.`
        : "Cannot reach the sign-in service. Check your network connection.",
    };
  }
  switch (name) {
    case "UsernameExistsException":
      return { name, message: "An account with this email already exists. Sign in instead." };
    case "InvalidPasswordException":
      return {
        name,
        message: `The user pool refused this password${raw ? ` (${raw.replace(/^Password did not conform with policy: /, "")})` : ""}. Use at least 12 characters with lower-case and upper-case letters and digits.`,
      };
    case "UserNotConfirmedException":
      return { name, message: "This account is not confirmed yet. Enter the code sent to your email." };
    case "CodeMismatchException":
      return { name, message: "That confirmation code is not right. Check the email and type it again." };
    case "ExpiredCodeException":
      return { name, message: "That confirmation code has expired. Send a new one." };
    case "UserNotFoundException":
      // A pool that prevents user-existence errors says NotAuthorizedException for both.
      return { name, message: step === "sign-in" ? "Incorrect email or password." : "There is no account with this email." };
    case "NotAuthorizedException":
      if (step === "refresh") return { name, message: "Your session has ended. Sign in again." };
      if (/disabled/i.test(raw)) return { name, message: "This account is disabled." };
      if (step === "sign-in") return { name, message: "Incorrect email or password." };
      return { name, message: raw || "The user pool refused this request." };
    case "PasswordResetRequiredException":
      return { name, message: "This account needs a password reset, which this test client does not offer." };
    case "AuthChallengeError":
      return { name, message: raw };
    case "TooManyRequestsException":
    case "TooManyFailedAttemptsException":
    case "LimitExceededException":
      return { name, message: "Too many attempts. Wait a moment and try again." };
    case "InvalidParameterException":
      return { name, message: raw || "The user pool refused a value." };
    case "UserLambdaValidationException":
      return { name, message: `The sign-up check refused this account${raw ? `: ${raw}` : "."}` };
    case "ResourceNotFoundException":
      return {
        name,
        message: "The user pool or its client does not exist. Is config.json from the current deployment? Run `make webapp`.",
      };
    default:
      return { name, message: `${name}: ${raw || String(err)}` };
  }
}
