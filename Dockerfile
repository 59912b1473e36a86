# syntax=docker/dockerfile:1
# Chainrule: docker build -t chainrule . && docker run --rm -p 8000:8000 chainrule
#
# Stage 1 builds a wheel from pyproject.toml (app/ as the package; static/ and templates/ as data
# files under share/chainrule/). Stage 2 installs only that wheel and its dependencies.

FROM python:3.11.17-slim-bookworm AS builder
WORKDIR /src
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
COPY pyproject.toml README.md ./
COPY app ./app
COPY static ./static
COPY templates ./templates
RUN python -m pip wheel --no-cache-dir --no-deps --wheel-dir /dist .

FROM python:3.11.17-slim-bookworm AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    CHAINRULE_HOST=0.0.0.0 \
    CHAINRULE_PORT=8000
COPY --from=builder /dist /dist
RUN python -m pip install --no-cache-dir /dist/*.whl \
    && rm -rf /dist \
    && groupadd --system --gid 10001 chainrule \
    && useradd --system --uid 10001 --gid 10001 --create-home --home-dir /home/chainrule chainrule
USER 10001:10001
WORKDIR /home/chainrule
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/api/health', timeout=4).status == 200 else 1)"]
CMD ["chainrule", "--host", "0.0.0.0", "--port", "8000"]
