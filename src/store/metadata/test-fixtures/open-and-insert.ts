// Child process for the "concurrent openers" test: prints "ready", waits for a line on stdin
// (so that every child starts migrating at the same instant), opens (and so migrates) the store
// named on the command line, inserts one model row, and prints "ok". Run with vite-node.
import { once } from "node:events";
import { openMetadataStore } from "../index.js";

const [url, name] = process.argv.slice(2);
if (url === undefined || name === undefined) {
  console.error("usage: open-and-insert.ts URL MODEL_NAME");
  process.exit(2);
}
process.stdout.write("ready\n");
await once(process.stdin, "data");
process.stdin.pause();
const store = await openMetadataStore(url);
try {
  await store.db
    .insertInto("models")
    .values({ name, description: null, created_at: new Date().toISOString(), created_by: "child" })
    .execute();
  process.stdout.write("ok\n");
} finally {
  await store.close();
}
