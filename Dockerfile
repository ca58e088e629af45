# syntax=docker/dockerfile:1
# Newsdesk: `docker build -t newsdesk .` then `docker run --env-file .env -v newsdesk-data:/data newsdesk`

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# Compilers only in the build stage, for any dependency without a wheel for this platform.
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY pyproject.toml README.md ./
COPY knowledge ./knowledge
COPY bot ./bot
RUN pip install .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 newsdesk \
    && mkdir -p /data \
    && chown newsdesk:newsdesk /data
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    NEWSDESK_DATABASE_URL=sqlite+aiosqlite:////data/newsdesk.db \
    NEWSDESK_INDEX_DIR=/data/index
WORKDIR /data
VOLUME ["/data"]
USER newsdesk
# `newsdesk run` exits cleanly on SIGTERM, which is what `docker stop` sends.
STOPSIGNAL SIGTERM
ENTRYPOINT ["newsdesk"]
CMD ["run"]
