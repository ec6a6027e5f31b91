// Rebuilds models/llmops-tiny/llmops-tiny-q8_0.gguf from its recipe:
//   npx vite-node scripts/make-bundled-model.ts   (or: npm run build && node dist/scripts/make-bundled-model.js)
import { writeBundledModel } from "../src/platform/bundled-model.js";
import { BUNDLED_MODEL } from "../src/platform/paths.js";

await writeBundledModel(BUNDLED_MODEL.file);
console.log(`wrote ${BUNDLED_MODEL.file}`);
