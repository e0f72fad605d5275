/// <reference types="vitest/config" />
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig, type Plugin } from "vite";

/**
 * WEBAPP_CONFIG_FILE=<path>: the dev server answers /config.json from that file instead of
 * public/config.json (lets a test run its own stack without touching a developer's config).
 */
function configFileOverride(): Plugin {
  return {
    name: "config-file-override",
    configureServer(server) {
      const file = process.env.WEBAPP_CONFIG_FILE;
      if (!file) return;
      server.middlewares.use("/config.json", (_req, res) => {
        try {
          const body = readFileSync(file);
          res.setHeader("Content-Type", "application/json");
          res.setHeader("Cache-Control", "no-store");
          res.end(body);
        } catch {
          res.statusCode = 404;
          res.end("not found");
        }
      });
    },
  };
}

export default defineConfig({
  // Relative base: the built app works from any path (S3 website, a sub-folder, file server).
  base: "./",
  plugins: [configFileOverride()],
  resolve: {
    alias: [
      // The package maps its entry to index.browser in its "browser" field, which Vite does not
      // apply to a package entry: without this the Node-only providers (fromIni, SSO, login...)
      // and their node: imports end up in the bundle and the build fails.
      { find: /^@aws-sdk\/credential-providers$/, replacement: "@aws-sdk/credential-providers/dist-es/index.browser.js" },
      // lib-storage's stream polyfill probes Node's util (debuglog, inspect) and does without:
      // an empty module instead of Vite's externalized stub, which warns on every page load.
      { find: /^util\/?$/, replacement: fileURLToPath(new URL("./src/shims/util.ts", import.meta.url)) },
    ],
  },
  server: { host: "127.0.0.1", port: 5173, strictPort: true },
  preview: { host: "127.0.0.1", port: 5173, strictPort: true },
  build: { target: "es2022", chunkSizeWarningLimit: 1500 },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
