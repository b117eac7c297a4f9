# syntax=docker/dockerfile:1
# SignalTrust: one image for every process (API, trading nodes, job worker, scheduler, CLI).
# Build:  docker build -t signaltrust:0.1.0 .
# Run:    docker run --rm -p 8000:8000 signaltrust:0.1.0 api --host 0.0.0.0
# The dashboard bundle is the one committed in src/signaltrust/web_dist (web/ builds it and
# tests/web checks it is current), so it ships inside the Python package installed here.

# --- build: compile wheels into a virtual environment ---------------------------------------
FROM python:3.11.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/signaltrust
ENV PATH=/opt/signaltrust/bin:$PATH
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY src ./src
RUN pip install --no-compile ".[distributed]" \
    && python -c "import importlib.resources as r; assert r.files('signaltrust.web_dist').joinpath('index.html').is_file()"

# --- runtime: slim, no compiler, a non-root user ---------------------------------------------
FROM python:3.11.11-slim-bookworm AS runtime
LABEL org.opencontainers.image.title="SignalTrust" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/signaltrust/signaltrust"
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1 tini \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 signaltrust \
    && useradd --system --uid 10001 --gid signaltrust --home-dir /var/lib/signaltrust \
       --create-home --shell /usr/sbin/nologin signaltrust
COPY --from=build /opt/signaltrust /opt/signaltrust
ENV PATH=/opt/signaltrust/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    SIGNALTRUST_HOME=/var/lib/signaltrust \
    SIGNALTRUST__LOG__JSON_LOGS=true
WORKDIR /var/lib/signaltrust
USER 10001:10001
VOLUME ["/var/lib/signaltrust"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-m", "signaltrust.ops.probe", "/health"]
ENTRYPOINT ["/usr/bin/tini", "--", "signaltrust"]
CMD ["api", "--host", "0.0.0.0", "--port", "8000"]
