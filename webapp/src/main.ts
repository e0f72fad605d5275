import "./style.css";
import { createUserPoolClient, UserPool } from "./auth";
import { Backend, createClients, identityCredentials } from "./backend";
import { ConfigError, loadConfig, MAKE_HINT, type WebappConfig } from "./config";
import { GUEST_IDENTITY_KEY, Session, type SessionState } from "./session";
import { App } from "./ui/app";
import { h } from "./ui/dom";

/** Credentials for the session's identity, its identity id, and the clients that use them. */
async function connect(config: WebappConfig, session: Session, state: SessionState): Promise<Backend> {
  const credentials = identityCredentials(
    config,
    state.kind === "user"
      ? { kind: "user", sub: state.sub, idToken: () => session.idToken() }
      : { kind: "guest", store: window.localStorage, storeKey: GUEST_IDENTITY_KEY },
  );
  const identityId = await credentials.identityId();
  return new Backend(config, createClients(config, credentials.provider), identityId);
}

async function start(): Promise<void> {
  const root = document.getElementById("app");
  if (!root) throw new Error("#app is missing from index.html");
  try {
    const config = await loadConfig();
    const pool = new UserPool(config, createUserPoolClient(config));
    const session = new Session(window.localStorage, pool);
    // A guest session from a deployment that no longer allows guests is over.
    if (session.state?.kind === "guest" && !config.allowGuests) await session.signOut();
    await session.restore();
    new App(root, { config, session, pool, connect: (state) => connect(config, session, state) });
  } catch (err) {
    const problem = err instanceof ConfigError ? err.problem : "invalid";
    const message = err instanceof Error ? err.message : String(err);
    root.replaceChildren(
      h(
        "div",
        { class: "panel config-error", role: "alert", testid: "config-error", "data-problem": problem },
        h("h1", {}, problem === "missing" ? "Configuration missing" : "Configuration problem"),
        h("p", {}, message),
        problem === "missing" ? null : h("p", { class: "muted" }, MAKE_HINT),
        err instanceof ConfigError && err.details.length
          ? h("ul", {}, err.details.map((d) => h("li", {}, d)))
          : null,
      ),
    );
  }
}

void start();
