# syntax=docker/dockerfile:1
#
# Dreamlayer's dedicated host, as an image:
#
#     docker build -t dreamlayer .
#     docker run -p 8765:8765 dreamlayer
#     docker run -p 8765:8765 -v "$PWD/my.toml:/etc/dreamlayer/server.toml:ro" dreamlayer
#
# It runs `dreamlayer host --host 0.0.0.0 --config /etc/dreamlayer/server.toml`; the image
# carries server.example.toml there (every key at its default), so mounting a TOML of your own
# over it is optional. Flags given after the image name are added to that command and win over
# the file: `docker run ... dreamlayer --workers 4 --redis redis://HOST:6379/0 --public-url
# ws://THIS-MACHINE:8765`. Replays are kept in /var/lib/dreamlayer (a volume).
# deploy/compose.yaml and deploy/kubernetes/ use this image; tests/test_deploy.py checks
# that its port, probe and flags agree with the server.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- build: a wheel, which carries the retreats and the assets inside the package
#      (pyproject's force-include), so nothing of the source tree is needed at run time.
FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY game ./game
COPY server ./server
COPY levels ./levels
COPY assets ./assets
RUN python -m pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

# ---- run: the wheel and its dependencies (all of them ship manylinux wheels), no compiler.
FROM ${PYTHON_IMAGE}
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DREAMLAYER_DATA_DIR=/var/lib/dreamlayer
RUN groupadd --system --gid 10001 dreamlayer \
    && useradd --system --uid 10001 --gid dreamlayer --home-dir /var/lib/dreamlayer \
       --create-home --shell /usr/sbin/nologin dreamlayer
COPY --from=build /wheels /tmp/wheels
RUN python -m pip install --no-cache-dir /tmp/wheels/*.whl && rm -rf /tmp/wheels
# The settings the entrypoint reads: mount your own TOML over this file to change them.
COPY server.example.toml /etc/dreamlayer/server.toml
# The container's health check (stdlib urllib) and the Agones adapter (deploy/kubernetes).
COPY deploy/healthcheck.py deploy/agones_adapter.py /opt/dreamlayer/

# Numeric, so Kubernetes' runAsNonRoot can check it without reading /etc/passwd.
USER 10001:10001
WORKDIR /var/lib/dreamlayer
VOLUME ["/var/lib/dreamlayer"]

# WebSocket, /healthz, /metrics and /replays, all on one port: server.example.toml's `port`.
EXPOSE 8765

# Plain /healthz (HTTP 200 while the host answers), on the port the TOML names. Not
# ?strict=1: a degraded host (rooms behind schedule) is alive and must not be restarted.
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "/opt/dreamlayer/healthcheck.py", "/etc/dreamlayer/server.toml"]

# SIGTERM drains: every client is closed with 1001 and a reason, and the host exits within
# seconds (give `docker stop` / Kubernetes a grace period of 30 s or so).
STOPSIGNAL SIGTERM
ENTRYPOINT ["dreamlayer", "host", "--host", "0.0.0.0", "--config", "/etc/dreamlayer/server.toml"]
