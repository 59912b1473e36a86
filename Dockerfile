# Chainrule: docker build -t chainrule . && docker run --rm -p 8000:8000 chainrule
#
# Stage 1 installs the locked runtime dependencies (requirements.lock: exact versions, every file
# checked against its sha256) and a wheel of the app into a venv at /opt/chainrule; stage 2
# copies only that venv onto a fresh base, so no wheel, build tool or pip setting is left in it.
# Settings are CHAINRULE_* environment variables (`chainrule --help` lists them).

# The base, named once. The official image, pinned by digest: the digest of
# python:3.11.17-slim-bookworm as pinned in public repositories' Dockerfiles (found with a code
# search: MortyYJT/commerce-support-agent's Dockerfile, whose notes record checking it against
# the official multi-arch index). Where Docker Hub cannot be reached, scripts/container-base
# builds a stand-in from Debian's packages: --build-arg PYTHON_IMAGE="$(scripts/container-base)".
ARG PYTHON_IMAGE=python:3.11.17-slim-bookworm@sha256:2333bd330d12de02514770b3585cad313644316047cdee24a7acfdece6de6efb

FROM ${PYTHON_IMAGE} AS builder
WORKDIR /src
# Dependencies first, in a layer of their own: rebuilt only when the lock changes. Wheels only
# (nothing compiled here); the venv has no pip of its own (pip --python installs into it).
COPY requirements.lock ./
RUN python -m venv --without-pip /opt/chainrule \
    && python -m pip --python /opt/chainrule/bin/python install --no-cache-dir \
        --disable-pip-version-check --require-hashes --only-binary :all: --no-deps \
        -r requirements.lock
# The app: a wheel built by the pinned backend (pyproject.toml's build-system), app/ as the
# package, static/ and templates/ as data files under /opt/chainrule/share/chainrule/.
COPY pyproject.toml README.md ./
COPY app ./app
COPY static ./static
COPY templates ./templates
RUN python -m pip wheel --no-cache-dir --disable-pip-version-check --no-deps --wheel-dir /dist . \
    && python -m pip --python /opt/chainrule/bin/python install --no-cache-dir \
        --disable-pip-version-check --no-deps /dist/chainrule-*.whl \
    && python -m pip --python /opt/chainrule/bin/python check

FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 chainrule \
    && useradd --system --uid 10001 --gid 10001 --create-home --home-dir /home/chainrule chainrule
COPY --from=builder /opt/chainrule /opt/chainrule
ENV PATH=/opt/chainrule/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    CHAINRULE_HOST=0.0.0.0 \
    CHAINRULE_PORT=8000
USER 10001:10001
WORKDIR /home/chainrule
EXPOSE 8000
# Follows CHAINRULE_PORT (docker run -e CHAINRULE_PORT=9000 moves both the server and the check);
# urlopen raises, so the check fails, on anything but a 2xx answer within 4 s.
HEALTHCHECK --interval=15s --timeout=5s --start-period=15s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as r; r.urlopen(f\"http://127.0.0.1:{os.environ['CHAINRULE_PORT']}/api/health\", timeout=4)"]
# No flags: every setting comes from the environment (the command line would override it).
CMD ["chainrule"]

# Last, so that changing them rebuilds nothing. The version and licence are pyproject.toml's
# (tests/test_container.py checks both against the installed package); the source and revision
# are given at build time: --build-arg SOURCE_URL=... --build-arg REVISION="$(git rev-parse HEAD)".
ARG SOURCE_URL=""
ARG REVISION=""
LABEL org.opencontainers.image.title="Chainrule" \
      org.opencontainers.image.version="0.1.0" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.revision="${REVISION}"
