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
# Two glibc malloc arenas instead of 8 per core for the SDK core's threads: with a heap cap
# (NODE_OPTIONS=--max-old-space-size) it took 500 shards from 861 to 493-594 MiB RSS (README, goal 4).
ENV MALLOC_ARENA_MAX=2
CMD ["node", "dist/workers/main.js"]
