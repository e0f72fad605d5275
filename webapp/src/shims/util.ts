// Stands in for Node's "util" in the browser bundle. lib-storage's stream polyfill
// (readable-stream) probes util.debuglog and util.inspect and falls back when they are absent;
// without this alias Vite logs "Module "util" has been externalized" on every page load.
export {};
