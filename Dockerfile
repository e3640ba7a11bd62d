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
CMD ["node", "dist/workers/main.js"]
