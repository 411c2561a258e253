# One image for every process of every service (web, relay, consumer, migrate), the
# gateway and the web client (`python -m web web`); the command chooses which:
# `python -m services.<name> <command>`.
FROM python:3.11-slim

# Debian packages the services use: mdbtools (the transfer service reads Access files,
# .mdb and .accdb, through it) and a CJK font (the stats service draws PNG charts with
# Chinese labels; SVGs keep their text as text and use the reader's fonts).
RUN apt-get update \
 && apt-get install -y --no-install-recommends mdbtools fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 MODE=production
WORKDIR /app

COPY pyproject.toml requirements.lock ./
COPY servicekit ./servicekit
COPY contracts ./contracts
COPY services ./services
COPY gateway ./gateway
COPY launcher ./launcher
COPY web ./web
RUN pip install --constraint requirements.lock . \
 && useradd --uid 10001 --no-create-home --shell /usr/sbin/nologin platform

USER 10001
EXPOSE 8080 8101 8102 8103 8104 8105 8106 9100
CMD ["python", "-m", "gateway", "web"]
