import {
  ConfirmSignUpCommand,
  GetUserCommand,
  GlobalSignOutCommand,
  InitiateAuthCommand,
  RevokeTokenCommand,
  SignUpCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { describe, expect, it } from "vitest";
import { AuthChallengeError, authErrorMessage, createUserPoolClient, decodeJwtClaims, tokenExpiry, UserPool, type Sender } from "./auth";
import type { WebappConfig } from "./config";
import { fakeJwt } from "./testing/jwt";

const NOW = 1_764_000_000_000;

function fake(reply: (cmd: unknown) => unknown) {
  const sent: unknown[] = [];
  const sender: Sender = {
    send: async (cmd) => {
      sent.push(cmd);
      const r = reply(cmd);
      if (r instanceof Error) throw r;
      return r;
    },
  };
  return { sender, sent };
}

const named = (name: string, message = "") => Object.assign(new Error(message), { name });
const pool = (sender: Sender) => new UserPool({ userPoolClientId: "client123" }, sender, () => NOW);
const idToken = fakeJwt({ sub: "sub-1", email: "zoe@example.com", name: "Zoë Ångström", iat: 1000, exp: 4600 });

describe("decodeJwtClaims", () => {
  it("reads UTF-8 claims exactly (non-ASCII names)", () => {
    expect(decodeJwtClaims(fakeJwt({ name: "李雷", sub: "s" }))).toEqual({ name: "李雷", sub: "s" });
    expect(decodeJwtClaims(idToken).name).toBe("Zoë Ångström");
  });
  it("reads \\u-escaped claims too", () => {
    const escaped = fakeJwt({}).split(".");
    escaped[1] = btoa('{"name":"Zo\\u00eb"}').replace(/=+$/, "");
    expect(decodeJwtClaims(escaped.join(".")).name).toBe("Zoë");
  });
  it("refuses what is not a JWT", () => {
    expect(() => decodeJwtClaims("abc")).toThrow(/not a JWT/);
    expect(() => decodeJwtClaims("a.bm90IGpzb24.c")).toThrow();
  });
});

describe("tokenExpiry", () => {
  it("counts the token's lifetime from the local clock (skew-proof)", () => {
    // exp - iat = 3600 s, whatever the server's clock said.
    expect(tokenExpiry(idToken, 3600, NOW)).toBe(NOW + 3600_000);
    expect(tokenExpiry(idToken, 600, NOW)).toBe(NOW + 600_000);
    expect(tokenExpiry("not-a-jwt", 300, NOW)).toBe(NOW + 300_000);
    expect(tokenExpiry("not-a-jwt", undefined, NOW)).toBe(NOW + 3600_000);
  });
});

describe("UserPool", () => {
  it("signs up with the email as username and the display name as `name`", async () => {
    const { sender, sent } = fake(() => ({ UserConfirmed: false, CodeDeliveryDetails: { Destination: "z***@e***" } }));
    expect(await pool(sender).signUp(" zoe@example.com ", "Correct-Horse-42", " Zoë Ångström ")).toEqual({
      userConfirmed: false,
      destination: "z***@e***",
    });
    const cmd = sent[0] as SignUpCommand;
    expect(cmd).toBeInstanceOf(SignUpCommand);
    expect(cmd.input).toEqual({
      ClientId: "client123",
      Username: "zoe@example.com",
      Password: "Correct-Horse-42",
      UserAttributes: [
        { Name: "email", Value: "zoe@example.com" },
        { Name: "name", Value: "Zoë Ångström" },
      ],
    });
  });

  it("reports a pool that confirmed the user itself", async () => {
    const { sender } = fake(() => ({ UserConfirmed: true }));
    expect((await pool(sender).signUp("a@b.co", "Correct-Horse-42", "A")).userConfirmed).toBe(true);
  });

  it("confirms with the code", async () => {
    const { sender, sent } = fake(() => ({}));
    await pool(sender).confirmSignUp("zoe@example.com", " 123456 ");
    expect((sent[0] as ConfirmSignUpCommand).input).toEqual({ ClientId: "client123", Username: "zoe@example.com", ConfirmationCode: "123456" });
  });

  it("signs in with USER_PASSWORD_AUTH", async () => {
    const { sender, sent } = fake(() => ({
      AuthenticationResult: { IdToken: idToken, AccessToken: "acc", RefreshToken: "ref", ExpiresIn: 3600 },
    }));
    expect(await pool(sender).signIn("zoe@example.com", "pw")).toEqual({
      idToken,
      accessToken: "acc",
      refreshToken: "ref",
      expiresAt: NOW + 3600_000,
    });
    const cmd = sent[0] as InitiateAuthCommand;
    expect(cmd.input).toEqual({
      ClientId: "client123",
      AuthFlow: "USER_PASSWORD_AUTH",
      AuthParameters: { USERNAME: "zoe@example.com", PASSWORD: "pw" },
    });
  });

  it("refreshes with REFRESH_TOKEN_AUTH, keeping the refresh token unless rotated", async () => {
    const { sender, sent } = fake(() => ({ AuthenticationResult: { IdToken: idToken, AccessToken: "acc2", ExpiresIn: 3600 } }));
    const t = await pool(sender).refresh("ref");
    expect(t.refreshToken).toBe("ref");
    expect(t.accessToken).toBe("acc2");
    expect((sent[0] as InitiateAuthCommand).input).toEqual({
      ClientId: "client123",
      AuthFlow: "REFRESH_TOKEN_AUTH",
      AuthParameters: { REFRESH_TOKEN: "ref" },
    });
    const rotated = fake(() => ({ AuthenticationResult: { IdToken: idToken, AccessToken: "a", RefreshToken: "ref2" } }));
    expect((await pool(rotated.sender).refresh("ref")).refreshToken).toBe("ref2");
  });

  it("refuses challenges it cannot answer", async () => {
    const { sender } = fake(() => ({ ChallengeName: "SOFTWARE_TOKEN_MFA", Session: "s" }));
    await expect(pool(sender).signIn("a@b.co", "pw")).rejects.toBeInstanceOf(AuthChallengeError);
  });

  it("reads attributes with GetUser", async () => {
    const { sender, sent } = fake(() => ({ UserAttributes: [{ Name: "name", Value: "李雷" }, { Name: "email", Value: "l@x.cn" }] }));
    expect(await pool(sender).attributes("acc")).toEqual({ name: "李雷", email: "l@x.cn" });
    expect((sent[0] as GetUserCommand).input).toEqual({ AccessToken: "acc" });
  });

  it("signs out by revoking the refresh token", async () => {
    const { sender, sent } = fake(() => ({}));
    expect(await pool(sender).signOut({ refreshToken: "ref", accessToken: "acc" })).toBe("revoked");
    expect(sent).toHaveLength(1);
    expect((sent[0] as RevokeTokenCommand).input).toEqual({ ClientId: "client123", Token: "ref" });
  });

  it("falls back to GlobalSignOut where the pool cannot revoke", async () => {
    const { sender, sent } = fake((cmd) => (cmd instanceof RevokeTokenCommand ? named("UnsupportedOperationException") : {}));
    expect(await pool(sender).signOut({ refreshToken: "ref", accessToken: "acc" })).toBe("signed-out");
    expect(sent[1]).toBeInstanceOf(GlobalSignOutCommand);
    expect((sent[1] as GlobalSignOutCommand).input).toEqual({ AccessToken: "acc" });
  });

  it("tries GlobalSignOut even when RevokeToken got no answer", async () => {
    const { sender, sent } = fake((cmd) => (cmd instanceof RevokeTokenCommand ? new TypeError("Failed to fetch") : {}));
    expect(await pool(sender).signOut({ refreshToken: "ref", accessToken: "acc" })).toBe("signed-out");
    expect(sent[1]).toBeInstanceOf(GlobalSignOutCommand);
  });

  it("reports a sign-out the server never heard of", async () => {
    const { sender } = fake(() => new TypeError("Failed to fetch"));
    expect(await pool(sender).signOut({ refreshToken: "ref", accessToken: "acc" })).toBe("failed");
  });

  it("talks to the configured endpoint", async () => {
    const c = createUserPoolClient({ region: "us-east-1", endpoint: "http://127.0.0.1:4620" } as WebappConfig);
    const ep = await c.config.endpoint?.();
    expect(`${ep?.protocol}//${ep?.hostname}:${ep?.port}`).toBe("http://127.0.0.1:4620");
  });
});

describe("authErrorMessage", () => {
  it.each([
    ["UsernameExistsException", "sign-up", /already exists/],
    ["NotAuthorizedException", "sign-in", /Incorrect email or password/],
    ["UserNotFoundException", "sign-in", /Incorrect email or password/],
    ["InvalidPasswordException", "sign-up", /12 characters with lower-case and upper-case letters and digits/],
    ["UserNotConfirmedException", "sign-in", /not confirmed.*code/],
    ["CodeMismatchException", "confirm", /code is not right/],
    ["ExpiredCodeException", "confirm", /expired/],
    ["NotAuthorizedException", "refresh", /session has ended/],
    ["TooManyRequestsException", "sign-in", /Too many attempts/],
  ] as const)("%s (%s) in plain words, named", (name, step, message) => {
    const p = authErrorMessage(named(name, "x"), step);
    expect(p.name).toBe(name);
    expect(p.message).toMatch(message);
  });
  it("keeps the pool's reason for a refused password", () => {
    const p = authErrorMessage(named("InvalidPasswordException", "Password did not conform with policy: Password not long enough"), "sign-up");
    expect(p.message).toMatch(/Password not long enough/);
  });
  it("says a disabled account is disabled", () => {
    expect(authErrorMessage(named("NotAuthorizedException", "User is disabled."), "sign-in").message).toMatch(/disabled/);
  });
  it("tells an unreachable emulator from AWS", () => {
    const e = new TypeError("Failed to fetch");
    expect(authErrorMessage(e, "sign-in", "http://127.0.0.1:4620")).toEqual({
      name: "NetworkError",
      message: expect.stringMatching(/127\.0\.0\.1:4620.*make up/),
    });
    expect(authErrorMessage(e, "sign-in").message).toMatch(/network connection/);
  });
});
