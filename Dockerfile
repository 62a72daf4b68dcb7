# syntax=docker/dockerfile:1
# The scoring API image. Every step is a script in tools/deploy/ that .ci/run also runs natively, so what goes into
# the image is tested even where no Docker engine runs. Build with a model bundle exported first:
#   npm run trainer -- export --out dist/model-bundle && docker build -t credit-scoring-api .

# --- build: LightGBM from its PyPI sdist, our addon, the compiled API, runtime node_modules ---------------------------
FROM node:20-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends cmake g++ make python3 python3-pip python3-venv \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN bash tools/deploy/build.sh && bash tools/deploy/assemble.sh /app dist/model-bundle

# --- runtime: slim, non-root, the bundle inside ----------------------------------------------------------------------
FROM node:20-bookworm-slim AS runtime
RUN apt-get update && apt-get install -y --no-install-recommends libgomp1 curl && rm -rf /var/lib/apt/lists/*
COPY --from=build --chown=node:node /app /app
WORKDIR /app
USER node
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8000 MODEL_BUNDLE_DIR=/app/dist/model-bundle
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s CMD curl -fs http://127.0.0.1:8000/ready || exit 1
CMD ["node", "dist/apps/api/main.js"]
