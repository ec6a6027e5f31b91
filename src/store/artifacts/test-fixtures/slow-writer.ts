// Child process for the "killed writer" test: puts a never-ending stream into the file store at
// the folder given on the command line and prints "writing" once bytes are on their way. The
// test kills it with SIGKILL mid-write. Run with vite-node.
import { Readable } from "node:stream";
import { openArtifactStore } from "../index.js";

const root = process.argv[2];
if (root === undefined) {
  console.error("usage: slow-writer.ts ROOT");
  process.exit(2);
}
const store = await openArtifactStore(`file:${root}`, { home: root });
let sent = 0;
const endless = new Readable({
  read() {
    setTimeout(() => {
      this.push(Buffer.alloc(64 * 1024, sent % 251));
      sent++;
      if (sent === 4) process.stdout.write("writing\n");
    }, 5);
  },
});
await store.putStream(endless);
