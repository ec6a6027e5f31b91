#!/usr/bin/env bash
# Makes the golden files in test/fixtures/gguf: our writer builds an F32 model, llama.cpp's own
# quantizer (llama_model_quantize in node-llama-cpp's shipped libllama.so) converts it to F16, Q8_0
# and Q4_0. Run once from the repository root; the outputs are committed. Needs gcc and git.
#   bash scripts/gguf-golden/make-golden.sh
set -euo pipefail
root=$(pwd)
bins=$root/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64
bundle=$root/node_modules/node-llama-cpp/llama/gitRelease.bundle
out=$root/test/fixtures/gguf
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# node-llama-cpp ships the libraries but not llama.h; its git bundle holds the matching source.
git -c advice.detachedHead=false clone -q "$bundle" "$work/llama.cpp"
echo "llama.cpp source: $(jq -r .tag "$root/node_modules/node-llama-cpp/llama/llama.cpp.info.json" 2>/dev/null || echo '?') ($(git -C "$work/llama.cpp" rev-parse --short HEAD))"
gcc -O1 -I "$work/llama.cpp/include" -I "$work/llama.cpp/ggml/include" "$root/scripts/gguf-golden/quantize.c" \
  -L "$bins" -l:libllama.v0.4.0.so -Wl,-rpath,"$bins" -o "$work/quantize"

npx vite-node "$root/scripts/gguf-golden/write-source.ts" -- "$work/golden-f32.gguf"
for pair in "1 golden-f16.gguf" "7 golden-q8_0.gguf" "2 golden-q4_0.gguf"; do
  set -- $pair
  "$work/quantize" "$work/golden-f32.gguf" "$out/$2" "$1" 2> "$work/log-$1.txt" || { cat "$work/log-$1.txt"; exit 1; }
  grep -E "llama_model_quantize\(|type +[a-z0-9_]+:|converting to|size = " "$work/log-$1.txt" | tail -n 40 || true
done
ls -l "$out"
sha256sum "$out"/*.gguf
