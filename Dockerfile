# syntax=docker/dockerfile:1
# llmops: one image for every role. The command picks it:
#   docker run IMAGE                      → llmops up (gateway + API + dashboard + workers, SQLite)
#   docker run IMAGE gateway              → stateless gateway + control-plane API (scale out)
#   docker run IMAGE worker --model N@V   → one llama.cpp worker
# Build: docker build -t llmops .

# --- build: install everything, compile TypeScript and the dashboard, then drop dev dependencies ---
FROM node:20.19-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the sources are not copied yet, so `prepare` (the build) runs below instead;
# the native packages' own install scripts are re-run by `npm rebuild`.
RUN npm ci --ignore-scripts && npm rebuild better-sqlite3 node-llama-cpp
COPY tsconfig.json biome.json ./
COPY bin ./bin
COPY src ./src
COPY bench ./bench
COPY test ./test
COPY dashboard ./dashboard
COPY models ./models
COPY data ./data
RUN npm run build && npm prune --omit=dev

# --- runtime: only what `llmops` needs, as a non-root user ---
FROM node:20.19-bookworm-slim AS runtime
# A 64 MiB semi-space: fewer scavenges at gateway rates, the biggest part of its p99 (docs/scale-out.md).
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-semi-space-size=64 \
    LLMOPS_HOME=/var/lib/llmops \
    LLMOPS_HOST=0.0.0.0 \
    LLMOPS_PORT=8080
RUN groupadd --gid 10001 llmops \
 && useradd --uid 10001 --gid llmops --home-dir /var/lib/llmops --create-home --shell /usr/sbin/nologin llmops
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/models ./models
COPY --from=build /app/data ./data
USER 10001:10001
EXPOSE 8080 8100
VOLUME ["/var/lib/llmops"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.LLMOPS_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "/app/bin/llmops.js"]
CMD ["up", "--host", "0.0.0.0"]
