// @vitest-environment jsdom
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { SignUpResult, Tokens } from "../auth";
import type { WebappConfig } from "../config";
import { renderAuthPanel, type AuthPanelOptions } from "./auth";

const q = <T extends Element = HTMLElement>(el: Element, id: string) => el.querySelector<T & Element>(`[data-testid="${id}"]`);
const named = (name: string, message = "") => Object.assign(new Error(message), { name });
const TOKENS: Tokens = { idToken: "id", accessToken: "acc", refreshToken: "ref", expiresAt: 1 };
const config = { endpoint: "http://127.0.0.1:4620", allowGuests: false } as WebappConfig;

function setup(over: Partial<Record<"signUp" | "confirmSignUp" | "resendCode" | "signIn", (...a: string[]) => Promise<unknown>>> = {}, extra: Partial<AuthPanelOptions> = {}) {
  const calls: string[] = [];
  const pool = {
    signUp: async (email: string, pw: string, name: string): Promise<SignUpResult> => {
      calls.push(`signUp:${email}:${pw}:${name}`);
      return ((await over.signUp?.(email, pw, name)) as SignUpResult) ?? { userConfirmed: true };
    },
    confirmSignUp: async (email: string, code: string) => {
      calls.push(`confirm:${email}:${code}`);
      await over.confirmSignUp?.(email, code);
    },
    resendCode: async (email: string) => {
      calls.push(`resend:${email}`);
      return "z***@example.com";
    },
    signIn: async (email: string, pw: string) => {
      calls.push(`signIn:${email}:${pw}`);
      await over.signIn?.(email, pw);
      return TOKENS;
    },
  };
  const session = {
    signInUser: async (email: string, t: Tokens) => {
      calls.push(`session:${email}:${t.idToken}`);
      return { kind: "user" as const, email, displayName: "", sub: "", tokens: t };
    },
    signInGuest: () => {
      calls.push("guest");
      return { kind: "guest" as const };
    },
  };
  const root = document.createElement("div");
  document.body.replaceChildren(root);
  renderAuthPanel(root, { config, pool, session, ...extra });
  return { root, calls };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

function fill(root: Element, values: Record<string, string>) {
  for (const [id, v] of Object.entries(values)) (q<HTMLInputElement>(root, id) as HTMLInputElement).value = v;
}

function submit(root: Element, form: string) {
  (q<HTMLFormElement>(root, form) as HTMLFormElement).requestSubmit();
}

describe("auth panel", () => {
  beforeEach(() => {
    vi.spyOn(console, "error").mockImplementation(() => undefined);
  });

  it("signs up then signs straight in when the pool confirms the user", async () => {
    const { root, calls } = setup();
    q<HTMLButtonElement>(root, "show-signup")!.click();
    fill(root, { "signup-email": " zoe@example.com ", "signup-name": "Zoë Ångström", "signup-password": "Correct-Horse-42" });
    submit(root, "signup-form");
    await settle();
    expect(calls).toEqual([
      "signUp:zoe@example.com:Correct-Horse-42:Zoë Ångström",
      "signIn:zoe@example.com:Correct-Horse-42",
      "session:zoe@example.com:id",
    ]);
  });

  it("checks the password before asking the pool, with a clear message", async () => {
    const { root, calls } = setup();
    q<HTMLButtonElement>(root, "show-signup")!.click();
    fill(root, { "signup-email": "zoe@example.com", "signup-name": "Zoë", "signup-password": "short" });
    submit(root, "signup-form");
    await settle();
    expect(calls).toEqual([]);
    expect(q(root, "signup-error")!.textContent).toMatch(/at least 12 characters.*upper-case.*digit/);
  });

  it("asks for the emailed code when the pool did not confirm the user", async () => {
    const { root, calls } = setup({ signUp: async () => ({ userConfirmed: false, destination: "z***@example.com" }) });
    q<HTMLButtonElement>(root, "show-signup")!.click();
    fill(root, { "signup-email": "zoe@example.com", "signup-name": "Zoë", "signup-password": "Correct-Horse-42" });
    submit(root, "signup-form");
    await settle();
    expect(q(root, "confirm-form")).not.toBeNull();
    expect(q(root, "confirm-destination")!.textContent).toContain("z***@example.com");
    fill(root, { "confirm-code": "123456" });
    submit(root, "confirm-form");
    await settle();
    expect(calls.slice(1)).toEqual(["confirm:zoe@example.com:123456", "signIn:zoe@example.com:Correct-Horse-42", "session:zoe@example.com:id"]);
  });

  it("names a wrong code", async () => {
    const { root } = setup({
      signUp: async () => ({ userConfirmed: false }),
      confirmSignUp: async () => Promise.reject(named("CodeMismatchException", "Invalid code")),
    });
    q<HTMLButtonElement>(root, "show-signup")!.click();
    fill(root, { "signup-email": "zoe@example.com", "signup-name": "Zoë", "signup-password": "Correct-Horse-42" });
    submit(root, "signup-form");
    await settle();
    fill(root, { "confirm-code": "000000" });
    submit(root, "confirm-form");
    await settle();
    const err = q(root, "confirm-error")!;
    expect(err.getAttribute("data-error-name")).toBe("CodeMismatchException");
    expect(err.textContent).toMatch(/code is not right/);
  });

  it("names an email that is taken", async () => {
    const { root } = setup({ signUp: async () => Promise.reject(named("UsernameExistsException", "User already exists")) });
    q<HTMLButtonElement>(root, "show-signup")!.click();
    fill(root, { "signup-email": "zoe@example.com", "signup-name": "Zoë", "signup-password": "Correct-Horse-42" });
    submit(root, "signup-form");
    await settle();
    expect(q(root, "signup-error")!.getAttribute("data-error-name")).toBe("UsernameExistsException");
    expect(q(root, "signup-error")!.textContent).toMatch(/already exists/);
    expect((q<HTMLButtonElement>(root, "signup-button") as HTMLButtonElement).disabled).toBe(false);
  });

  it("names a wrong password at sign-in", async () => {
    const { root, calls } = setup({ signIn: async () => Promise.reject(named("NotAuthorizedException", "Incorrect username or password.")) });
    fill(root, { "signin-email": "zoe@example.com", "signin-password": "Wrong-Password-1" });
    submit(root, "signin-form");
    await settle();
    expect(calls).toEqual(["signIn:zoe@example.com:Wrong-Password-1"]);
    expect(q(root, "signin-error")!.getAttribute("data-error-name")).toBe("NotAuthorizedException");
    expect(q(root, "signin-error")!.textContent).toBe("Incorrect email or password.");
  });

  it("sends an unconfirmed user to the code form, where a new code can be sent", async () => {
    let first = true;
    const { root, calls } = setup({
      signIn: async () => {
        if (first) {
          first = false;
          throw named("UserNotConfirmedException", "User is not confirmed.");
        }
      },
    });
    fill(root, { "signin-email": "zoe@example.com", "signin-password": "Correct-Horse-42" });
    submit(root, "signin-form");
    await settle();
    expect(q(root, "auth-notice")!.textContent).toMatch(/not confirmed/);
    q<HTMLButtonElement>(root, "confirm-resend")!.click();
    await settle();
    expect(q(root, "auth-notice")!.textContent).toMatch(/new code.*z\*\*\*@example\.com/);
    fill(root, { "confirm-code": "42" });
    submit(root, "confirm-form");
    await settle();
    expect(calls.slice(1)).toEqual(["resend:zoe@example.com", "confirm:zoe@example.com:42", "signIn:zoe@example.com:Correct-Horse-42", "session:zoe@example.com:id"]);
  });

  it("offers guests only when the deployment allows them", () => {
    expect(q(setup().root, "guest-button")).toBeNull();
    const { root, calls } = setup({}, { config: { ...config, allowGuests: true } });
    q<HTMLButtonElement>(root, "guest-button")!.click();
    expect(calls).toEqual(["guest"]);
  });

  it("shows why the user is here again, with the email filled in", () => {
    const { root } = setup({}, { notice: "Your session has expired. Sign in again.", email: "zoe@example.com" });
    expect(q(root, "auth-notice")!.textContent).toMatch(/expired/);
    expect((q<HTMLInputElement>(root, "signin-email") as HTMLInputElement).value).toBe("zoe@example.com");
  });
});
