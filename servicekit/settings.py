"""One settings object per process, read from the environment.

Every name is looked up first with the service's prefix (``COURSES_DATABASE_URL``),
then without (``DATABASE_URL``), so one process per container needs no prefix while
the embedded runner can configure all services of one process apart.
``DATABASE_URL`` may contain ``{service}``: one template serves every service.

Modes: ``embedded`` (default; SQLite files under ``DATA_DIR`` and the in-process bus,
local secrets generated on first use) and ``production`` (every secret must be given).
"""
from __future__ import annotations

import builtins
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar, overload

SERVICES = ("courses", "accounts", "sso", "transfer", "stats")
SERVICE_PORTS = {"gateway": 8080, "courses": 8101, "accounts": 8102, "sso": 8103,
                 "transfer": 8104, "stats": 8105, "web": 8106}
# Served through the gateway but not a bus service: no database, no broker, no API.
WEB_CLIENT = "web"
REPO_ROOT = Path(__file__).resolve().parent.parent


# Production has no defaults for these: the embedded ones name this machine, and a
# process that verified tokens against them would refuse every token, or trust another
# issuer's. Every process of every service and the gateway reads them.
REQUIRED_IN_PRODUCTION = ("TOKEN_ISSUER", "JWKS_URL")


class MissingSetting(RuntimeError):
    """A setting that production must be given is not there: refuse to start."""


class MissingSecret(MissingSetting):
    """A secret that production must be given is not there: refuse to start."""


class InvalidSetting(ValueError):
    """A setting is there but cannot be read."""


@dataclass(frozen=True)
class Settings:
    service: str
    mode: str
    data_dir: Path
    database_url: str
    broker_url: str
    http_host: str
    http_port: int
    log_level: str
    # Tokens: verified against the sso service's JWKS (servicekit.tokens).
    token_issuer: str
    token_audience: str
    jwks_url: str
    # Bus tuning.
    delivery_limit: int
    consumer_prefetch: int
    consumer_batch_size: int
    relay_batch_size: int
    relay_idle_seconds: float
    # How often a relay or consumer tries again while the broker or database is down.
    reconnect_seconds: float
    metrics_port: int | None
    service_urls: Mapping[str, str] = field(default_factory=dict)
    # The clients whose access tokens the platform API takes (servicekit.tokens): the
    # platform's own web client, later its machine clients; never a partner site.
    platform_clients: tuple[str, ...] = ("web",)
    environ: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_env(cls, service: str, environ: Mapping[str, str] | None = None,
                 **overrides: Any) -> Settings:
        source = dict(os.environ if environ is None else environ)
        env = _PrefixedEnv(service, source)
        mode = env.str("MODE", "embedded")
        if mode == "production":
            missing = [name for name in REQUIRED_IN_PRODUCTION if not env.str(name, "").strip()]
            if missing:
                raise MissingSetting(
                    f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} required "
                    f"in production mode ({service}): "
                    f"TOKEN_ISSUER is the gateway's public origin, JWKS_URL where the sso "
                    f"service publishes its keys (also read as {service.upper()}_<NAME>)")
        data_dir = Path(env.str("DATA_DIR", str(REPO_ROOT / "var"))).resolve()
        database_url = env.str("DATABASE_URL", "")
        if not database_url and service in SERVICES:  # the gateway keeps no database
            if mode == "production":
                raise MissingSecret(f"{service.upper()}_DATABASE_URL (or DATABASE_URL) is required")
            database_url = f"sqlite:///{data_dir / f'{service}.sqlite3'}"
        gateway_url = env.str("PUBLIC_URL", f"http://127.0.0.1:{SERVICE_PORTS['gateway']}")
        sso_url = env.str("SSO_URL", f"http://127.0.0.1:{SERVICE_PORTS['sso']}")
        settings = cls(
            service=service,
            mode=mode,
            data_dir=data_dir,
            database_url=database_url.replace("{service}", service),
            broker_url=env.str("BROKER_URL", "memory://"),
            http_host=env.str("HTTP_HOST", "127.0.0.1"),
            http_port=env.int("HTTP_PORT", SERVICE_PORTS.get(service, 8100)),
            log_level=env.str("LOG_LEVEL", "INFO"),
            token_issuer=env.str("TOKEN_ISSUER", gateway_url.rstrip("/")),
            token_audience=env.str("TOKEN_AUDIENCE", "inservice-api"),
            jwks_url=env.str("JWKS_URL", sso_url.rstrip("/") + "/jwks.json"),
            delivery_limit=env.int("DELIVERY_LIMIT", 5),
            # A batch is one transaction and one ack; the prefetch holds the next batch.
            consumer_prefetch=env.int("CONSUMER_PREFETCH", 2000),
            consumer_batch_size=env.int("CONSUMER_BATCH_SIZE", 1000),
            relay_batch_size=env.int("RELAY_BATCH_SIZE", 1000),
            relay_idle_seconds=env.float("RELAY_IDLE_SECONDS", 0.2),
            reconnect_seconds=env.float("RECONNECT_SECONDS", 2.0),
            metrics_port=env.int("METRICS_PORT", 0) or None,
            service_urls={name: env.str(f"{name.upper()}_URL", f"http://127.0.0.1:{port}")
                          for name, port in SERVICE_PORTS.items() if name != "gateway"},
            platform_clients=tuple(name.strip() for name in env.str(
                "PLATFORM_CLIENTS", "web").split(",") if name.strip()),
            environ=source,
        )
        return replace(settings, **overrides) if overrides else settings

    @property
    def embedded(self) -> bool:
        return self.mode == "embedded"

    @property
    def amqp(self) -> bool:
        return self.broker_url.startswith(("amqp://", "amqps://"))

    @overload
    def value(self, name: str, default: str) -> str: ...
    @overload
    def value(self, name: str, default: None = None) -> str | None: ...

    def value(self, name: str, default: str | None = None) -> str | None:
        """A service-specific setting that the kit does not know about."""
        return _PrefixedEnv(self.service, self.environ).str(name, default)

    def positive_int(self, name: str, default: int) -> int:
        """A service-specific count, number of days or seconds: a whole number, at least 1."""
        raw = self.value(name, str(default))
        try:
            return parse_positive_int(raw or str(default))
        except ValueError as error:
            raise InvalidSetting(f"{self.service.upper()}_{name} = {raw!r}: {error}") from None

    def secret(self, name: str) -> str:
        """A secret from the environment. Embedded mode makes a local one on first use and
        keeps it under the data folder; production refuses to start without it. Spaces
        around it are not part of it (a secret file's last newline), so the same secret
        derives the same key wherever it is written — here, or later in a list of
        ``earlier_secrets``."""
        value = _PrefixedEnv(self.service, self.environ).str(name, "").strip()
        if value:
            return value
        if not self.embedded:
            raise MissingSecret(f"{self.service.upper()}_{name} is required in {self.mode} mode")
        path = self.data_dir / "secrets" / self.service / name.lower()
        if not path.exists():
            _write_new_secret(path, secrets.token_urlsafe(48))
        value = path.read_text().strip()
        if not value:
            raise InvalidSetting(f"{name}: the secret file {path} is empty. Write the secret "
                                 f"into it, or delete it to have a new one made (data sealed "
                                 f"with the old one is then unreadable)")
        return value

    def earlier_secrets(self, name: str) -> tuple[str, ...]:
        """Secrets in force before the current one (comma-separated, optional), kept while
        data still uses them during a key rotation."""
        raw = _PrefixedEnv(self.service, self.environ).str(name, "")
        return tuple(part.strip() for part in raw.split(",") if part.strip())


def _write_new_secret(path: Path, value: str) -> None:
    """Writes a new secret file whole or not at all: a temporary file in the same folder,
    0600 from its creation, flushed to disk, then linked under its name — the link fails
    if another process got there first, whose secret is then the one (never replaced
    after someone may have used it). A crash before the link leaves no file under the
    name, so the next start makes a new secret rather than trusting half of one."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(value)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)  # the new name survives a power cut too
        finally:
            os.close(directory)
    finally:
        temporary.unlink(missing_ok=True)


def parse_positive_int(text: str) -> int:
    """The one reading of a count or a number of days, for settings and command options
    alike (``servicekit.service.positive_int``): a whole number, at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise ValueError(f"{value} is not a positive number")
    return value


_T = TypeVar("_T")
_D = TypeVar("_D")


class _PrefixedEnv:
    """environs' typed parsing with the prefixed-then-plain lookup."""

    def __init__(self, service: str, source: Mapping[str, str]) -> None:
        self._prefix = service.upper() + "_"
        self._source = source

    def _raw(self, name: str) -> str | None:
        return self._source.get(self._prefix + name, self._source.get(name))

    # Annotations say ``builtins.`` here: inside the class, ``str`` is the method below.
    def _parse(self, convert: Callable[[builtins.str], _T], name: builtins.str,
               default: _D) -> _T | _D:
        raw = self._raw(name)
        if raw is None or raw == "":
            return default
        try:
            return convert(raw)
        except ValueError as error:
            raise InvalidSetting(f"{self._prefix}{name} (or {name}) = {raw!r}: {error}") from None

    @overload
    def str(self, name: builtins.str, default: builtins.str) -> builtins.str: ...
    @overload
    def str(self, name: builtins.str, default: None = None) -> builtins.str | None: ...

    def str(self, name: builtins.str, default: builtins.str | None = None) -> builtins.str | None:
        return self._parse(builtins.str, name, default)

    def int(self, name: builtins.str, default: builtins.int) -> builtins.int:
        return self._parse(builtins.int, name, default)

    def float(self, name: builtins.str, default: builtins.float) -> builtins.float:
        return self._parse(builtins.float, name, default)
