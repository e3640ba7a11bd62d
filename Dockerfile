# ksp worker / CLI image (used by docker-compose.yml).
FROM node:22-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bin ./bin
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev
ENV NODE_ENV=production
# Two glibc malloc arenas instead of 8 per core for the SDK core's threads. With a heap cap of
# ~0.5 MiB per shard plus 128 MiB (NODE_OPTIONS=--max-old-space-size=640 for 1,000 shards) it kept
# 1,000 shards at 550-616 MiB RSS, against 1,193-1,253 at the defaults (README, goal 4).
ENV MALLOC_ARENA_MAX=2
CMD ["node", "dist/workers/main.js"]
