# Boothcast node: the Python app, ffmpeg and nginx-rtmp for livestreams, the web's npm packages.
FROM python:3.11-slim-bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg nginx-light libnginx-mod-rtmp nodejs npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY server server
COPY rooms rooms
COPY translation translation
COPY media media
RUN pip install --no-cache-dir .
COPY web web
RUN cd web && npm ci --no-audit --no-fund --omit=dev
ENV BOOTHCAST_DATA_DIR=/data \
    BOOTHCAST_HOST=0.0.0.0
VOLUME /data
EXPOSE 8080 1935
CMD ["boothcast", "serve", "--migrate"]
