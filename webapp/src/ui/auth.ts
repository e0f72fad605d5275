// The sign-in panel: sign in, create an account (confirming it with an emailed code when the pool
// asks for one), or continue as a guest where the deployment allows guests.

import { authErrorMessage, type AuthProblem, type AuthStep, type UserPool } from "../auth";
import type { WebappConfig } from "../config";
import { checkDisplayName, checkEmail, checkPassword, MAX_DISPLAY_NAME_LENGTH, MIN_PASSWORD_LENGTH } from "../keys";
import type { Session } from "../session";
import { clear, h } from "./dom";

export type AuthMode = "sign-in" | "sign-up" | "confirm";

export interface AuthPanelOptions {
  config: WebappConfig;
  pool: Pick<UserPool, "signUp" | "confirmSignUp" | "resendCode" | "signIn">;
  session: Pick<Session, "signInUser" | "signInGuest">;
  /** Shown above the form (e.g. "Your session has expired"). */
  notice?: string | null;
  email?: string;
  mode?: AuthMode;
}

const PASSWORD_RULE = `At least ${MIN_PASSWORD_LENGTH} characters, with lower-case and upper-case letters and digits.`;

/** Renders the panel into `container`; resolves nothing: success changes the session, which re-routes the app. */
export function renderAuthPanel(container: HTMLElement, opts: AuthPanelOptions): void {
  let mode: AuthMode = opts.mode ?? "sign-in";
  let email = opts.email ?? "";
  // Kept in memory only, to sign in right after a confirmation code.
  let password = "";
  let destination: string | undefined;
  let notice = opts.notice ?? null;

  const panel = h("div", { class: "panel signin", testid: "auth-panel" });
  container.append(panel);

  const showProblem = (el: HTMLElement, p: AuthProblem | string | null) => {
    if (p === null) {
      el.textContent = "";
      el.removeAttribute("data-error-name");
      return;
    }
    const problem = typeof p === "string" ? { name: "InvalidInput", message: p } : p;
    el.textContent = problem.message;
    el.setAttribute("data-error-name", problem.name);
  };

  const busy = (form: HTMLFormElement, on: boolean) => {
    form.querySelectorAll("button, input").forEach((c) => ((c as HTMLButtonElement | HTMLInputElement).disabled = on));
    form.setAttribute("aria-busy", String(on));
  };

  /** Runs one step; shows its error in `msg` in plain words. */
  const attempt = async (form: HTMLFormElement, msg: HTMLElement, step: AuthStep, fn: () => Promise<void>) => {
    busy(form, true);
    showProblem(msg, null);
    try {
      await fn();
    } catch (err) {
      console.error(err);
      const problem = authErrorMessage(err, step, opts.config.endpoint);
      if (problem.name === "UserNotConfirmedException") {
        notice = problem.message;
        mode = "confirm";
        return render();
      }
      showProblem(msg, problem);
    } finally {
      if (form.isConnected) busy(form, false);
    }
  };

  const signInNow = async () => {
    const tokens = await opts.pool.signIn(email, password);
    password = "";
    await opts.session.signInUser(email, tokens);
  };

  const field = (id: string, label: string, input: HTMLInputElement, hint?: string) => [
    h("label", { for: id }, label),
    input,
    hint ? h("p", { class: "muted hint", id: `${id}-hint` }, hint) : null,
  ];

  const switcher = (to: AuthMode, text: string, testid: string) =>
    h(
      "button",
      {
        type: "button",
        class: "link",
        testid,
        onclick: () => {
          mode = to;
          notice = null;
          render();
        },
      },
      text,
    );

  function render(): void {
    clear(panel);
    if (notice) panel.append(h("p", { class: "notice", role: "status", testid: "auth-notice" }, notice));
    if (mode === "sign-in") renderSignIn();
    else if (mode === "sign-up") renderSignUp();
    else renderConfirm();
    if (opts.config.allowGuests && mode !== "confirm") {
      panel.append(
        h(
          "div",
          { class: "guest" },
          h("p", { class: "muted" }, "Or try it without an account: a guest sees only the photos it uploads in this browser."),
          h(
            "button",
            { type: "button", class: "secondary", testid: "guest-button", onclick: () => opts.session.signInGuest() },
            "Continue as guest",
          ),
        ),
      );
    }
    panel.querySelector<HTMLInputElement>("input:not([disabled])")?.focus();
  }

  function renderSignIn(): void {
    const emailIn = h("input", { id: "signin-email", type: "email", autocomplete: "username", required: true, testid: "signin-email", value: email });
    const pwIn = h("input", { id: "signin-password", type: "password", autocomplete: "current-password", required: true, testid: "signin-password" });
    const msg = h("p", { class: "form-error", role: "alert", testid: "signin-error" });
    const form = h(
      "form",
      { testid: "signin-form", novalidate: true },
      h("h1", {}, "Sign in"),
      ...field("signin-email", "Email", emailIn),
      ...field("signin-password", "Password", pwIn),
      msg,
      h("button", { type: "submit", testid: "signin-button" }, "Sign in"),
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      email = emailIn.value.trim();
      const problem = checkEmail(email) ?? (pwIn.value === "" ? "Enter your password." : null);
      if (problem) return showProblem(msg, problem);
      password = pwIn.value;
      void attempt(form, msg, "sign-in", signInNow);
    });
    panel.append(form, h("p", { class: "muted" }, "No account yet? ", switcher("sign-up", "Create one", "show-signup")));
  }

  function renderSignUp(): void {
    const emailIn = h("input", { id: "signup-email", type: "email", autocomplete: "email", required: true, testid: "signup-email", value: email });
    const nameIn = h("input", {
      id: "signup-name",
      autocomplete: "name",
      required: true,
      maxlength: MAX_DISPLAY_NAME_LENGTH,
      testid: "signup-name",
      placeholder: "How others see you, e.g. Zoë",
    });
    const pwIn = h("input", {
      id: "signup-password",
      type: "password",
      autocomplete: "new-password",
      required: true,
      minlength: MIN_PASSWORD_LENGTH,
      testid: "signup-password",
      "aria-describedby": "signup-password-hint",
    });
    const msg = h("p", { class: "form-error", role: "alert", testid: "signup-error" });
    const form = h(
      "form",
      { testid: "signup-form", novalidate: true },
      h("h1", {}, "Create an account"),
      ...field("signup-email", "Email", emailIn),
      ...field("signup-name", "Display name", nameIn),
      ...field("signup-password", "Password", pwIn, PASSWORD_RULE),
      msg,
      h("button", { type: "submit", testid: "signup-button" }, "Create account"),
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      email = emailIn.value.trim();
      const problem = checkEmail(email) ?? checkDisplayName(nameIn.value) ?? checkPassword(pwIn.value);
      if (problem) return showProblem(msg, problem);
      password = pwIn.value;
      const displayName = nameIn.value.trim();
      void attempt(form, msg, "sign-up", async () => {
        const result = await opts.pool.signUp(email, password, displayName);
        if (result.userConfirmed) return signInNow();
        destination = result.destination;
        notice = null;
        mode = "confirm";
        render();
      });
    });
    panel.append(form, h("p", { class: "muted" }, "Have an account? ", switcher("sign-in", "Sign in", "show-signin")));
  }

  function renderConfirm(): void {
    const codeIn = h("input", {
      id: "confirm-code",
      inputmode: "numeric",
      autocomplete: "one-time-code",
      required: true,
      testid: "confirm-code",
    });
    const pwIn = password
      ? null
      : h("input", { id: "confirm-password", type: "password", autocomplete: "current-password", required: true, testid: "confirm-password" });
    const msg = h("p", { class: "form-error", role: "alert", testid: "confirm-error" });
    const resend = h("button", { type: "button", class: "link", testid: "confirm-resend" }, "Send a new code");
    const form = h(
      "form",
      { testid: "confirm-form", novalidate: true },
      h("h1", {}, "Confirm your account"),
      h("p", { class: "muted", testid: "confirm-destination" }, `We sent a confirmation code to ${destination ?? email}.`),
      ...field("confirm-code", "Confirmation code", codeIn),
      ...(pwIn ? field("confirm-password", "Password", pwIn) : []),
      msg,
      h("div", { class: "row" }, h("button", { type: "submit", testid: "confirm-button" }, "Confirm and sign in"), resend),
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (codeIn.value.trim() === "") return showProblem(msg, "Enter the code from the email.");
      if (pwIn) {
        if (pwIn.value === "") return showProblem(msg, "Enter your password.");
        password = pwIn.value;
      }
      void attempt(form, msg, "confirm", async () => {
        await opts.pool.confirmSignUp(email, codeIn.value);
        await signInNow();
      });
    });
    resend.addEventListener("click", () => {
      void attempt(form, msg, "confirm", async () => {
        destination = (await opts.pool.resendCode(email)) ?? destination;
        showProblem(msg, null);
        notice = `A new code is on its way to ${destination ?? email}.`;
        render();
      });
    });
    panel.append(form, h("p", { class: "muted" }, switcher("sign-in", "Back to sign in", "show-signin")));
  }

  render();
}
