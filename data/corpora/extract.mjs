// Extracts the small corpora committed next to this script from packages that are too big to depend
// on. Rerun it to check or regenerate the samples (the output is deterministic):
//
//   npm i --prefix /tmp/cp --no-save chinese-poetry@2.0.1    # MIT, ~350 MB of JSON
//   apt-get install bible-kjv                                # Debian: `bible` + bible-kjv-text
//   node data/corpora/extract.mjs /tmp/cp/node_modules/chinese-poetry
//
// tang-poems.txt: 唐诗三百首 first, then 全唐诗 in file order, one poem per block (title, author,
// one line per verse, blank line), skipping poems with editorial marks (□ for lost characters,
// brackets for variant readings) so the text is plain verse. Stops at ~1.2 MB.
// kjv-genesis.txt: the Book of Genesis from the King James Version, one verse per line.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const here = import.meta.dirname;
const pkg = process.argv[2];
if (!pkg) {
  console.error("usage: node data/corpora/extract.mjs PATH/TO/node_modules/chinese-poetry");
  process.exit(2);
}
const TANG_LIMIT = 1_200_000; // bytes

const dir = path.join(pkg, "dist", "quantangshi");
const tangFiles = readdirSync(dir)
  .filter((f) => /^poet\.tang\.\d+\.json$/.test(f))
  .sort((a, b) => Number(a.split(".")[2]) - Number(b.split(".")[2]));
const sources = ["唐诗三百首.json", ...tangFiles];

const seen = new Set();
const blocks = [];
let bytes = 0;
const plainVerse = /^[\p{Script=Han}，。？！、；：]+$/u;
outer: for (const file of sources) {
  for (const poem of JSON.parse(readFileSync(path.join(dir, file), "utf8"))) {
    const lines = poem.paragraphs ?? [];
    if (!lines.length || !poem.title || !poem.author) continue;
    if (!lines.every((l) => plainVerse.test(l))) continue;
    if (/[□{}[\]()（）《》]/.test(poem.title + poem.author)) continue;
    const key = lines.join("");
    if (seen.has(key)) continue; // 唐诗三百首 repeats poems of 全唐诗
    seen.add(key);
    const block = `${poem.title.trim()}\n${poem.author.trim()}\n${lines.join("\n")}\n\n`;
    const size = Buffer.byteLength(block);
    if (bytes + size > TANG_LIMIT) break outer;
    blocks.push(block);
    bytes += size;
  }
}
write("tang-poems.txt", blocks.join(""));

// `bible -l1000` prints "Genesis N" headings and "  V text" lines; keep the verse text only.
const genesis = execFileSync("bible", ["-l1000", "Genesis 1:1-50:26"], { encoding: "utf8", maxBuffer: 1 << 26 });
const verses = genesis
  .split("\n")
  .map((l) => /^\s*\d+ (.*)$/.exec(l)?.[1]?.trim())
  .filter(Boolean);
write("kjv-genesis.txt", `${verses.join("\n")}\n`);

function write(name, text) {
  writeFileSync(path.join(here, name), text);
  const sha = createHash("sha256").update(text).digest("hex");
  console.log(`${name}: ${Buffer.byteLength(text)} bytes, sha256 ${sha}`);
}
