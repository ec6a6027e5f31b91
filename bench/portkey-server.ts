// Starts Portkey's open-source gateway (@portkey-ai/gateway, its Node build) bound to 127.0.0.1 for
// bench/gateway-overhead.ts. Portkey's start-server.js calls @hono/node-server's serve() without a
// hostname, i.e. on every interface: patching net.Server#listen before importing it makes the same
// server listen on loopback only. Prints `ready <port>` once it accepts connections.
//
//   node dist/bench/portkey-server.js --port=8787
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { waitForPort } from "../test/helpers/net.js";

const portArg = process.argv.find((arg) => arg.startsWith("--port="));
const port = Number(portArg?.slice("--port=".length) ?? "8787");

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function patchedListen(this: net.Server, ...args: unknown[]) {
  const first = args[0];
  if (typeof first === "number" || typeof first === "string") {
    // listen(port[, host][, backlog][, cb]): force the host.
    const rest = args.slice(1).filter((arg) => typeof arg !== "string");
    return (listen as (...a: unknown[]) => net.Server).call(this, Number(first), "127.0.0.1", ...rest);
  }
  if (typeof first === "object" && first !== null) {
    return (listen as (...a: unknown[]) => net.Server).call(this, { ...first, host: "127.0.0.1" }, ...args.slice(1));
  }
  return (listen as (...a: unknown[]) => net.Server).apply(this, args);
} as typeof net.Server.prototype.listen;

// Portkey reads --port and --headless from argv; headless skips its web UI and log stream.
process.argv = [process.argv[0]!, "portkey", `--port=${port}`, "--headless"];
// Its console output (spinner, banner, per-request logs) would cost time inside the measurement.
for (const method of ["log", "info", "warn", "clear"] as const) console[method] = () => {};

const require = createRequire(import.meta.url);
const packageJson = require.resolve("@portkey-ai/gateway/package.json");
const entry = path.join(path.dirname(packageJson), "build", "start-server.js");
await import(pathToFileURL(entry).href);

try {
  await waitForPort(port, 15_000);
} catch {
  process.stderr.write(`Portkey did not listen on 127.0.0.1:${port}\n`);
  process.exit(1);
}
process.stdout.write(`ready ${port}\n`);
