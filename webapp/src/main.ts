import "./style.css";
import { Backend, createClients } from "./backend";
import { ConfigError, loadConfig, MAKE_HINT } from "./config";
import { Session } from "./session";
import { App } from "./ui/app";
import { h } from "./ui/dom";

async function start(): Promise<void> {
  const root = document.getElementById("app");
  if (!root) throw new Error("#app is missing from index.html");
  try {
    const config = await loadConfig();
    const backend = new Backend(config, createClients(config));
    new App(root, config, backend, new Session(window.localStorage));
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
