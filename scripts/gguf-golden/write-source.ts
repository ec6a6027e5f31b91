// Entry point for make-golden.sh: writes the golden source model (F32) to the path given.
import { writeGoldenSource } from "./source.js";

const path = process.argv.slice(2).find((a) => a.endsWith(".gguf"));
if (!path) throw new Error("usage: vite-node scripts/gguf-golden/write-source.ts -- OUT.gguf");
await writeGoldenSource(path);
console.log(`wrote ${path}`);
