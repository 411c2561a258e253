# One image for every process of every service (web, relay, consumer, migrate) and the
# gateway; the command chooses which: `python -m services.<name> <command>`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 MODE=production
WORKDIR /app

# mdbtools: the transfer service reads Access files (.mdb, .accdb) through it.
RUN apt-get update \
 && apt-get install -y --no-install-recommends mdbtools \
 && rm -rf /var/lib/apt/lists/*

COPY pyproject.toml requirements.lock ./
COPY servicekit ./servicekit
COPY contracts ./contracts
COPY services ./services
COPY gateway ./gateway
COPY launcher ./launcher
RUN pip install --constraint requirements.lock . \
 && useradd --uid 10001 --no-create-home --shell /usr/sbin/nologin platform

USER 10001
EXPOSE 8080 8101 8102 8103 8104 8105 9100
CMD ["python", "-m", "gateway", "web"]
