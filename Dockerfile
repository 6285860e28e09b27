# Boothcast node: the installed wheel (pages, client libraries and bundled models inside), ffmpeg
# and nginx-rtmp for livestreams. tests/test_wheel_install.py runs the same build and install steps
# outside Docker (pip wheel; the lock with hashes; the wheel with --no-deps; pip check) and then
# serves the demo fair from the installed package.

# The web's client libraries (served under /vendor/), with the Node the README names.
FROM node:20-bookworm-slim AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund --omit=dev

# The wheel: setup.py copies web/*.html, web/static/** and the vendored files into it.
FROM python:3.11-slim-bookworm AS wheel
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY server server
COPY rooms rooms
COPY translation translation
COPY media media
COPY lifecycle lifecycle
COPY web web
COPY --from=web /src/web/node_modules web/node_modules
RUN pip wheel --no-cache-dir --no-deps -w /dist .

FROM python:3.11-slim-bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg nginx-light libnginx-mod-rtmp \
 && rm -rf /var/lib/apt/lists/*
# Exactly the tested versions (scripts/lock), hash-checked; then Boothcast itself, adding nothing.
COPY requirements.lock /tmp/requirements.lock
RUN pip install --no-cache-dir --require-hashes -r /tmp/requirements.lock && rm /tmp/requirements.lock
COPY --from=wheel /dist /tmp/dist
RUN pip install --no-cache-dir --no-deps /tmp/dist/*.whl && pip check && rm -r /tmp/dist
WORKDIR /data
ENV BOOTHCAST_DATA_DIR=/data \
    BOOTHCAST_HOST=0.0.0.0
VOLUME /data
EXPOSE 8080 1935
CMD ["boothcast", "serve", "--migrate"]
