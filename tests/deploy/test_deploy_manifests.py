"""The deployment manifests, checked without a container engine or a cluster (R-OPS-3).

R-OPS-3: the platform runs on one machine with no servers installed (embedded), on a real
broker and real databases (``docker-compose.yml``), and on Kubernetes with operators for
RabbitMQ and PostgreSQL (``deploy/k8s/``).

Each manifest is validated against its schema: the Compose Specification, the
Kubernetes OpenAPI schemas (through kubernetes-validate, strict: unknown fields fail) and
the operators' CustomResourceDefinitions (RabbitmqCluster, CloudNativePG Cluster, KEDA
ScaledObject), which kubernetes-validate would skip. Then against the conventions of the
code: every service in ``servicekit.settings.SERVICES`` has its migrate, web, relay and
consumer processes, on its port from ``SERVICE_PORTS``, and secrets are only referenced.

R-OPS-1: the scheduled jobs are Kubernetes CronJobs (compose has no cron): every service's
``tidy-outbox``, sso's ``tidy-records`` and ``rotate-keys``, each with the image, settings,
secrets and securityContext of the service's migrate Job. The secrets a service's code
requires (its ``settings.secret("NAME")`` calls) must reach every one of its processes,
so a new secret without a manifest entry fails here.

The schemas live in the ``shared`` folder beside the repository; without it the schema
tests are skipped, the convention tests still run.
"""
from __future__ import annotations

import copy
import functools
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml

kubernetes_validate = pytest.importorskip("kubernetes_validate")

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from servicekit.settings import SERVICE_PORTS, SERVICES, WEB_CLIENT  # noqa: E402

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
COMPOSE_SCHEMA = SHARED / "schemas" / "compose-spec.json"
CRD_DIR = SHARED / "schemas" / "crds"
CRD_FILES = {
    ("rabbitmq.com", "RabbitmqCluster"): "rabbitmq.com_rabbitmqclusters.yaml",
    ("postgresql.cnpg.io", "Cluster"): "postgresql.cnpg.io_clusters.yaml",
    ("keda.sh", "ScaledObject"): "keda.sh_scaledobjects.yaml",
    # messaging-topology-operator: each service's own broker user (issue 8, point 7).
    ("rabbitmq.com", "User"): "rabbitmq.com_users.yaml",
    ("rabbitmq.com", "Permission"): "rabbitmq.com_permissions.yaml",
    ("rabbitmq.com", "TopicPermission"): "rabbitmq.com_topicpermissions.yaml",
}

COMPOSE_FILE = REPO / "docker-compose.yml"
POSTGRES_INIT = REPO / "deploy" / "compose" / "postgres-init"
ENV_EXAMPLE = REPO / "deploy" / "compose" / "env.example"
K8S_DIR = REPO / "deploy" / "k8s"

# Oldest Kubernetes the manifests must still apply to, and a recent one.
K8S_VERSIONS = ("1.30", "1.33")
NAMESPACE = "inservice"
IMAGE = "inservice-platform:latest"
PROCESSES = ("web", "relay", "consumer")
# The web client's own gateway (issue 14): its API calls never wait behind its pages.
WEB_GATEWAY = "gateway-for-web"
METRICS_PORT = "9100"

# Environment names whose values are secrets (or URLs that may carry one).
SECRET_NAME = re.compile(r"PASS|SECRET|PRIVATE|CREDENTIAL|_KEYS?$|DATABASE_URL|BROKER_URL|RATE_LIMIT_STORAGE")
URL_PASSWORD = re.compile(r"^[a-z][a-z0-9+.-]*://[^/@:]*:(?P<password>[^@]*)@", re.IGNORECASE)
REQUIRED_INTERPOLATION = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*(:?\?[^}]*)?\}$")
INTERPOLATION = re.compile(r"\$\{[^}]*\}")
K8S_REFERENCE = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")

SERVICES_DIR = REPO / "services"
# A secret the code requires: servicekit.settings.Settings.secret("NAME").
SECRET_CALL = re.compile(r"""\.secret\(\s*["']([A-Z][A-Z0-9_]*)["']\s*\)""")
# Secrets the code may do without: the earlier secrets of a key rotation
# (Settings.earlier_secrets("NAME"), found in the code) and the mail server's login (read
# as settings). Referenced like the others, but the secret's key may be missing.
EARLIER_SECRETS_CALL = re.compile(r"""\.earlier_secrets\(\s*["']([A-Z][A-Z0-9_]*)["']\s*\)""")
OPTIONAL_SETTING_SECRETS = {"sso": ("SMTP_USERNAME", "SMTP_PASSWORD")}

# R-OPS-1: the scheduled jobs, as (service, CronJob name, arguments, period).
TIDY_OUTBOX = ("tidy-outbox", "--days", "7")
SCHEDULED_JOBS = (
    *((name, f"{name}-tidy-outbox", TIDY_OUTBOX, "daily") for name in SERVICES),
    ("sso", "sso-tidy-records", ("tidy-records",), "daily"),
    ("sso", "sso-rotate-keys", ("rotate-keys",), "weekly"),
    ("accounts", "accounts-tidy-import-reports", ("tidy-import-reports",), "daily"),
    ("transfer", "transfer-purge-files", ("purge-files",), "daily"),
    # Issue 12 item 9: the transfer service's rules of time (R-TRF-5, R-TRF-6, R-TRF-11).
    ("transfer", "transfer-check-deadlines", ("check-deadlines",), "monthly"),
    ("transfer", "transfer-open-audits", ("open-audits",), "monthly"),
    ("transfer", "transfer-send-finding-mails", ("send-finding-mails",), "daily"),
    ("transfer", "transfer-archive-silent-sources", ("archive-silent-sources",), "monthly"),
    ("transfer", "transfer-fail-interrupted-uploads", ("fail-interrupted-uploads",),
     "frequent"),
    ("courses", "courses-recount-lights", ("recount-lights",), "daily"),
    # The search's recent index moved on each January (a no-op the other months).
    ("courses", "courses-roll-search-index", ("roll-search-index",), "monthly"),
    # Work that waits on the clock, not on the night: a lottery draws soon after its window
    # closes; mail that could not go out is tried again within minutes (R-CRS-4).
    ("courses", "courses-draw-lotteries", ("draw-lotteries",), "frequent"),
    ("courses", "courses-send-enrolment-mails", ("send-enrolment-mails",), "frequent"),
)
FREQUENT_MINUTES = range(1, 31)  # "*/N": every N minutes, at most every half hour
TIME_ZONE = "Asia/Taipei"
NIGHT_HOURS = range(6)

# Issue 15, point 3: liveness of the relay and consumer loops (servicekit/heartbeat.py).
# A turn of either loop normally lasts at most: a retry delay while a server is down
# (capped at 10 s in relay.py and consumer.py), a connection attempt, and a batch (500
# events, or 1,000 outbox rows with their confirms: seconds). The probe's max age must
# stay well above that, or a loop waiting as designed would be restarted; and a stuck
# loop must still be restarted within minutes.
LIVENESS_MODULE = ["python", "-m", "servicekit.liveness"]
SHORTEST_MAX_AGE = 60
LONGEST_TIME_TO_RESTART = 300
RESTARTING = ("always", "unless-stopped", "on-failure")


# --- loading -------------------------------------------------------------------------

def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def require_shared(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"schema not available: {path.name} (expected in the shared folder "
                    f"beside the repository, {SHARED.name}/schemas/)")
    return path


@functools.cache
def compose() -> dict:
    return load_yaml(COMPOSE_FILE)


def compose_service(name: str) -> dict:
    services = compose()["services"]
    assert name in services, f"docker-compose.yml has no service {name!r}"
    return services[name]


def kustomizations() -> list[Path]:
    return sorted(K8S_DIR.rglob("kustomization.yaml"))


def manifest_files() -> list[Path]:
    files = sorted([*K8S_DIR.rglob("*.yaml"), *K8S_DIR.rglob("*.yml")])
    return [path for path in files if path.name not in ("kustomization.yaml", "kustomization.yml")]


@functools.cache
def k8s_documents() -> tuple[tuple[Path, dict], ...]:
    documents = []
    for path in manifest_files():
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if document is not None:
                documents.append((path, document))
    return tuple(documents)


def doc_id(entry: tuple[Path, dict]) -> str:
    path, document = entry
    return f"{path.relative_to(K8S_DIR)}:{document.get('kind')}/{document.get('metadata', {}).get('name')}"


def find(kind: str, name: str) -> dict:
    matches = [doc for _, doc in k8s_documents() if doc["kind"] == kind and doc["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected exactly one {kind} {name!r} under deploy/k8s, found {len(matches)}"
    return matches[0]


def of_kind(kind: str) -> list[dict]:
    return [doc for _, doc in k8s_documents() if doc["kind"] == kind]


# --- schemas -------------------------------------------------------------------------

def compose_validator() -> jsonschema.protocols.Validator:
    schema = json.loads(require_shared(COMPOSE_SCHEMA).read_text(encoding="utf-8"))
    # Its "$schema" (https://json-schema.org/draft-07/schema) is not a registered id.
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
    cls.check_schema(schema)
    return cls(schema)


def schema_errors(validator: jsonschema.protocols.Validator, instance: Any) -> list[str]:
    errors = sorted(validator.iter_errors(instance), key=lambda error: list(error.absolute_path))
    return [f"{'/'.join(map(str, error.absolute_path)) or '<root>'}: {error.message}" for error in errors]


def closed(schema: Any) -> Any:
    """An OpenAPI schema as the API server applies it with strict field validation (what
    kubectl asks for): an object with listed properties rejects any other field, unless
    it says it keeps unknown fields."""
    if isinstance(schema, list):
        return [closed(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result = {key: closed(value) for key, value in schema.items()}
    if ("properties" in schema and "additionalProperties" not in schema
            and not schema.get("x-kubernetes-preserve-unknown-fields")):
        result["additionalProperties"] = False
    return result


@functools.cache
def crd_validators() -> dict[tuple[str, str], jsonschema.protocols.Validator]:
    validators = {}
    for (group, kind), filename in CRD_FILES.items():
        crd = load_yaml(require_shared(CRD_DIR / filename))
        assert crd["spec"]["group"] == group and crd["spec"]["names"]["kind"] == kind
        for version in crd["spec"]["versions"]:
            if version.get("served") and version.get("storage"):
                schema = closed(version["schema"]["openAPIV3Schema"])
                # OpenAPI 3.0 schemas follow draft 4 (boolean exclusiveMinimum and such).
                jsonschema.Draft4Validator.check_schema(schema)
                validators[(f"{group}/{version['name']}", kind)] = jsonschema.Draft4Validator(schema)
    return validators


def crd_validator(document: dict) -> jsonschema.protocols.Validator | None:
    """The validator for a custom resource, None for a Kubernetes kind."""
    group = document["apiVersion"].split("/")[0]
    if not any(group == crd_group and document["kind"] == kind for crd_group, kind in CRD_FILES):
        return None
    validators = crd_validators()
    key = (document["apiVersion"], document["kind"])
    assert key in validators, f"{document['apiVersion']} is not the served storage version of {document['kind']}"
    return validators[key]


def k8s_errors(document: dict) -> list[str]:
    validator = crd_validator(document)
    if validator is not None:
        return schema_errors(validator, document)
    errors = []
    for version in K8S_VERSIONS:
        try:
            kubernetes_validate.validate(document, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            path = "/".join(map(str, error.absolute_path)) or "<root>"
            errors.append(f"Kubernetes {version}: {path}: {error.message}")
        except kubernetes_validate.SchemaNotFoundError as error:
            errors.append(error.message)
    return errors


# --- compose helpers -----------------------------------------------------------------

def as_argv(command: str | list[str]) -> list[str]:
    return shlex.split(command) if isinstance(command, str) else list(command)


def compose_env(service: dict) -> dict[str, str]:
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) if "=" in item else (item, None) for item in environment)
    return {key: None if value is None else str(value) for key, value in environment.items()}


def mask_interpolations(value: str) -> tuple[str, list[str]]:
    """`value` with each `${...}` replaced by `__<n>__`, and the interpolations (they
    contain colons of their own, which would confuse URL parsing)."""
    interpolations = INTERPOLATION.findall(value)
    parts = INTERPOLATION.split(value)
    masked = parts[0] + "".join(f"__{index}__{part}" for index, part in enumerate(parts[1:]))
    return masked, interpolations


def literal_secrets(env: dict[str, str | None]) -> list[str]:
    """Secrets written into compose environment: a secret name, or a URL's password, must
    be a required `${VAR}` / `${VAR:?message}` interpolation, never a value or a default."""
    found = []
    for key, value in env.items():
        if value is None:
            continue
        masked, interpolations = mask_interpolations(value)
        url = URL_PASSWORD.match(masked)
        if url:
            placeholder = re.fullmatch(r"__(\d+)__", url["password"])
            if not (placeholder and REQUIRED_INTERPOLATION.match(interpolations[int(placeholder[1])])):
                found.append(f"{key}: URL password {url['password']!r}")
        elif SECRET_NAME.search(key) and "://" not in value and not REQUIRED_INTERPOLATION.match(value):
            found.append(f"{key}={value}")
    return found


def depends_on(service: dict) -> dict[str, str]:
    dependencies = service.get("depends_on") or {}
    if isinstance(dependencies, list):
        return dict.fromkeys(dependencies, "service_started")
    return {name: (spec or {}).get("condition", "service_started") for name, spec in dependencies.items()}


# --- kubernetes helpers --------------------------------------------------------------

def pod_spec(document: dict) -> dict:
    if document["kind"] == "CronJob":
        return document["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return document["spec"]["template"]["spec"]


def containers(document: dict) -> list[dict]:
    spec = pod_spec(document)
    return [*spec.get("initContainers", []), *spec["containers"]]


def workloads() -> Iterator[dict]:
    for _, document in k8s_documents():
        if document["kind"] in ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"):
            yield document


def service_workloads(name: str) -> list[dict]:
    return [document for document in workloads()
            if document["metadata"].get("labels", {}).get("app.kubernetes.io/name") == name]


def container_env(container: dict) -> dict[str, tuple[str, Any]]:
    """Each variable as ("value", text), ("secret", (name, key)) or ("config", (name, key)),
    with the variables of referenced ConfigMaps (explicit entries win, as in Kubernetes)."""
    env: dict[str, tuple[str, Any]] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            data = find("ConfigMap", source["configMapRef"]["name"]).get("data", {})
            env.update({key: ("value", value) for key, value in data.items()})
        elif "secretRef" in source:
            env[f"<secret {source['secretRef']['name']}>"] = ("secret", (source["secretRef"]["name"], "*"))
    for item in container.get("env", []):
        if "valueFrom" in item and "secretKeyRef" in item["valueFrom"]:
            ref = item["valueFrom"]["secretKeyRef"]
            env[item["name"]] = ("secret", (ref["name"], ref["key"]))
        elif "valueFrom" in item and "configMapKeyRef" in item["valueFrom"]:
            ref = item["valueFrom"]["configMapKeyRef"]
            env[item["name"]] = ("config", (ref["name"], ref["key"]))
        else:
            env[item["name"]] = ("value", item.get("value", ""))
    return env


def secret_violations(container: dict) -> list[str]:
    """A secret in a container's environment must come from a secretKeyRef, or be built
    only from $(VAR) references to such variables (e.g. a URL from user and password)."""
    env = container_env(container)
    found = []
    for name, (source, value) in env.items():
        if source != "value":
            continue
        references = K8S_REFERENCE.findall(value)
        unresolved = [ref for ref in references if env.get(ref, ("",))[0] != "secret"]
        url = URL_PASSWORD.match(value)
        if SECRET_NAME.search(name) and (not references or unresolved):
            found.append(f"{container['name']}: {name} is a literal, not a secretKeyRef")
        elif url and not re.fullmatch(r"\$\([A-Za-z_][A-Za-z0-9_]*\)", url["password"]):
            found.append(f"{container['name']}: {name} carries a literal password")
        elif url and unresolved:
            found.append(f"{container['name']}: {name} refers to {unresolved}, not secrets")
    return found


def secret_key_refs(container: dict) -> dict[str, dict]:
    """The container's env entries that are secretKeyRefs: name -> the reference."""
    return {item["name"]: item["valueFrom"]["secretKeyRef"] for item in container.get("env", [])
            if "secretKeyRef" in (item.get("valueFrom") or {})}


def http_probe_path(container: dict, probe: str) -> str | None:
    return ((container.get(probe) or {}).get("httpGet") or {}).get("path")


def selects(selector: dict, labels: dict) -> bool:
    return bool(selector) and all(labels.get(key) == value for key, value in selector.items())


def pod_value(document: dict, container: dict, field: str) -> Any:
    """A securityContext field of the container, else of the pod."""
    own = (container.get("securityContext") or {}).get(field)
    return own if own is not None else (pod_spec(document).get("securityContext") or {}).get(field)


# --- the code's secrets ---------------------------------------------------------------

@functools.cache
def required_secrets(name: str) -> tuple[str, ...]:
    """The secrets the service's code asks ``Settings.secret`` for (production refuses to
    start, or to serve, without them)."""
    found: set[str] = set()
    for path in sorted((SERVICES_DIR / name).rglob("*.py")):
        found.update(SECRET_CALL.findall(path.read_text(encoding="utf-8")))
    return tuple(sorted(found))


def optional_secrets(name: str) -> tuple[str, ...]:
    found = set(OPTIONAL_SETTING_SECRETS.get(name, ()))
    for path in sorted((SERVICES_DIR / name).rglob("*.py")):
        found.update(EARLIER_SECRETS_CALL.findall(path.read_text(encoding="utf-8")))
    return tuple(sorted(found))


def setting(env: dict, service: str, name: str) -> tuple[str | None, Any]:
    """A setting as the service reads it: ``<SERVICE>_<NAME>`` first, then ``<NAME>``."""
    for key in (f"{service.upper()}_{name}", name):
        if key in env:
            return key, env[key]
    return None, None


def sso_mail_settings() -> set[str]:
    """The SMTP_* settings sso's config reads (``settings.value`` or ``self._int``)."""
    text = (SERVICES_DIR / "sso" / "config.py").read_text(encoding="utf-8")
    names = set(re.findall(r"""(?:settings\.value|self\._int)\(\s*["'](SMTP_[A-Z_]+)["']""", text))
    assert {"SMTP_HOST", "SMTP_PORT", "SMTP_FROM", "SMTP_PASSWORD"} <= names, names
    return names


def compose_processes(name: str) -> list[str]:
    return [f"{name}-{process}" for process in ("migrate", *PROCESSES)]


# =====================================================================================
# docker-compose.yml
# =====================================================================================

def test_compose_file_matches_the_compose_specification():
    errors = schema_errors(compose_validator(), compose())
    assert not errors, "docker-compose.yml does not match compose-spec.json:\n" + "\n".join(errors)


@pytest.mark.parametrize("name", SERVICES)
def test_compose_runs_migrate_web_relay_consumer_per_service(name):
    for process in ("migrate", *PROCESSES):
        service = compose_service(f"{name}-{process}")
        assert service.get("image") == IMAGE
        assert as_argv(service["command"]) == ["python", "-m", f"services.{name}", process]
        env = compose_env(service)
        assert env.get("MODE") == "production"
        assert env.get("TOKEN_AUDIENCE") == "inservice-api"
        assert env.get("JWKS_URL") == f"http://sso-web:{SERVICE_PORTS['sso']}/jwks.json"
        assert env.get("TOKEN_ISSUER") and env.get("LOG_LEVEL")
        assert (env.get("BROKER_URL") or "").startswith("amqp://")
        # Its own role and its own database, the password from the environment.
        assert re.fullmatch(rf"postgresql\+psycopg://{name}:\$\{{{name.upper()}_DB_PASSWORD(:\?[^}}]*)?\}}"
                            rf"@postgres:5432/{name}", env.get("DATABASE_URL") or ""), env.get("DATABASE_URL")
    web = compose_env(compose_service(f"{name}-web"))
    assert web.get("HTTP_HOST") == "0.0.0.0"
    assert web.get("HTTP_PORT") == str(SERVICE_PORTS[name])
    assert web.get("PROMETHEUS_MULTIPROC_DIR")
    for process in ("relay", "consumer"):
        assert compose_env(compose_service(f"{name}-{process}")).get("METRICS_PORT") == METRICS_PORT


@pytest.mark.parametrize("name", SERVICES)
def test_compose_migrates_once_before_the_long_lived_processes(name):
    migrate = compose_service(f"{name}-migrate")
    assert depends_on(migrate) == {"postgres": "service_healthy", "rabbitmq": "service_healthy",
                                   "broker-setup": "service_completed_successfully"}
    assert migrate.get("restart", "no") == "no"
    for process in PROCESSES:
        assert depends_on(compose_service(f"{name}-{process}")).get(f"{name}-migrate") == \
            "service_completed_successfully", f"{name}-{process} must wait for {name}-migrate"


def test_compose_has_no_entries_for_unknown_services():
    pattern = re.compile(rf"^(?P<name>[a-z0-9_]+)-(?:migrate|{'|'.join(PROCESSES)})$")
    stray = [key for key in compose()["services"]
             if (match := pattern.match(key)) and match["name"] not in SERVICES]
    assert not stray, f"compose entries for services the code does not have: {stray}"


def test_compose_gateway_publishes_8080_and_reaches_every_service():
    gateway = compose_service("gateway")
    assert gateway.get("image") == IMAGE
    assert as_argv(gateway["command"]) == ["python", "-m", "gateway", "web"]
    port = SERVICE_PORTS["gateway"]
    published = [str(item.get("published")) + ":" + str(item.get("target")) if isinstance(item, dict) else str(item)
                 for item in gateway.get("ports", [])]
    assert any(item.endswith(f"{port}:{port}") for item in published), published
    env = compose_env(gateway)
    assert env.get("HTTP_PORT") == str(port) and env.get("HTTP_HOST") == "0.0.0.0"
    for name in SERVICES:
        assert env.get(f"{name.upper()}_URL") == f"http://{name}-web:{SERVICE_PORTS[name]}"
    assert env.get("JWKS_URL") == f"http://sso-web:{SERVICE_PORTS['sso']}/jwks.json"
    assert (env.get("RATE_LIMIT_STORAGE") or "").startswith("redis://redis:")
    assert "redis" in compose()["services"]


def liveness_check(argv: list[str]) -> tuple[str, float]:
    """(file, max age) of a ``python -m servicekit.liveness FILE --max-age N`` command."""
    assert argv[:3] == LIVENESS_MODULE, f"not the heartbeat check: {argv}"
    assert len(argv) == 6 and argv[4] == "--max-age", argv
    return argv[3], float(argv[5])


def compose_long_running() -> dict[str, dict]:
    """Every compose service that is not a one-off step (migrate, broker setup)."""
    return {name: service for name, service in compose()["services"].items()
            if service.get("restart", "no") != "no"
            and not re.search(r"-migrate$|^broker-setup$", name)}


def test_compose_every_long_running_process_restarts_and_is_healthchecked():
    long_running = compose_long_running()
    expected = {f"{name}-{process}" for name in SERVICES for process in PROCESSES}
    assert expected | {"gateway", WEB_GATEWAY, "rabbitmq", "postgres", "redis"} <= set(long_running)
    for name, service in long_running.items():
        assert service.get("restart") in RESTARTING, f"{name}: restart policy"
        assert (service.get("healthcheck") or {}).get("test"), f"{name}: no healthcheck"
        assert not (service.get("healthcheck") or {}).get("disable"), name
    for name in ("broker-setup", *(f"{service}-migrate" for service in SERVICES)):
        assert compose_service(name).get("restart") == "no", f"{name} runs once"


@pytest.mark.parametrize("name", SERVICES)
def test_compose_relay_and_consumer_health_is_their_heartbeat(name):
    for process in ("relay", "consumer"):
        service = compose_service(f"{name}-{process}")
        check = service["healthcheck"]
        test = check["test"]
        assert test[0] == "CMD", f"{name}-{process}: exec form, no shell"
        path, max_age = liveness_check(test[1:])
        assert compose_env(service).get("HEARTBEAT_FILE") == path, \
            f"{name}-{process}: the check reads another file than the process writes"
        assert path.startswith("/tmp/") and "/tmp" in service.get("tmpfs", []), \
            f"{name}-{process}: the heartbeat belongs on the tmpfs (read-only root)"
        assert max_age >= SHORTEST_MAX_AGE, f"{name}-{process}: {max_age}s would restart a loop that waits"
        interval = float(check["interval"].rstrip("s"))
        assert max_age + interval * check["retries"] <= LONGEST_TIME_TO_RESTART


def test_compose_infrastructure_is_healthchecked():
    services = compose()["services"]
    assert re.match(r"rabbitmq:3\.1[23]", services["rabbitmq"]["image"])
    assert services["postgres"]["image"].startswith("postgres:16")
    for name in ("rabbitmq", "postgres", "redis"):
        assert services[name].get("healthcheck", {}).get("test"), f"{name} needs a healthcheck"
    for name in SERVICES:
        assert compose_service(f"{name}-web").get("healthcheck", {}).get("test")


def test_compose_creates_one_database_and_role_per_service():
    postgres = compose_service("postgres")
    env = compose_env(postgres)
    assert sorted((env.get("SERVICE_DATABASES") or "").split()) == sorted(SERVICES)
    for name in SERVICES:
        assert REQUIRED_INTERPOLATION.match(env.get(f"{name.upper()}_DB_PASSWORD") or "")
    mounts = [volume if isinstance(volume, str) else f"{volume.get('source')}:{volume.get('target')}"
              for volume in postgres.get("volumes", [])]
    assert any(mount.startswith("./deploy/compose/postgres-init:/docker-entrypoint-initdb.d") for mount in mounts)


@pytest.mark.integration  # bash reads the script
def test_postgres_init_script_creates_role_and_database():
    scripts = sorted(POSTGRES_INIT.glob("*.sh"))
    assert scripts, "deploy/compose/postgres-init/ has no init script"
    for script in scripts:
        text = script.read_text(encoding="utf-8")
        assert os.access(script, os.X_OK), f"{script.name} must be executable (else the entrypoint sources it)"
        assert "SERVICE_DATABASES" in text and "_DB_PASSWORD" in text
        assert "CREATE ROLE" in text and "CREATE DATABASE" in text
        if shutil.which("bash"):
            result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True, check=False)
            assert result.returncode == 0, result.stderr


def test_compose_has_no_literal_passwords():
    found = {name: literal_secrets(compose_env(service)) for name, service in compose()["services"].items()}
    found = {name: items for name, items in found.items() if items}
    assert not found, f"secrets must come from the environment, without defaults: {found}"


def test_env_example_names_every_required_variable():
    required = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*):?\?", COMPOSE_FILE.read_text(encoding="utf-8")))
    example = ENV_EXAMPLE.read_text(encoding="utf-8")
    named = set(re.findall(r"^#?\s*([A-Za-z_][A-Za-z0-9_]*)=", example, re.MULTILINE))
    assert required <= named, f"missing from {ENV_EXAMPLE.name}: {sorted(required - named)}"
    values = re.findall(r"^[A-Z0-9_]*(?:PASSWORD|_KEYS?)=(.+)$", example, re.MULTILINE)
    assert not values, "the example must not carry passwords or keys"


def test_the_secrets_the_code_requires_are_found():
    # The scan must see the secrets known today, or the tests below would prove nothing.
    assert {"NATIONAL_ID_HASH_KEY", "NATIONAL_ID_ENCRYPTION_KEY"} <= set(required_secrets("accounts"))
    assert {"KEY_ENCRYPTION_KEY", "PAIRWISE_KEY", "FORM_KEY"} <= set(required_secrets("sso"))
    assert "RETIRED_KEY_ENCRYPTION_KEYS" in optional_secrets("sso")
    assert {"NATIONAL_ID_RETIRED_ENCRYPTION_KEYS", "NATIONAL_ID_PREVIOUS_HASH_KEY"} <= \
        set(optional_secrets("accounts"))
    earlier = [n for service in ("accounts", "sso") for n in optional_secrets(service)
               if n not in OPTIONAL_SETTING_SECRETS.get(service, ())]
    for name in [*required_secrets("accounts"), *required_secrets("sso"), *earlier]:
        assert SECRET_NAME.search(name), f"{name} must count as a secret name for the literal checks"


@pytest.mark.parametrize("name", SERVICES)
def test_compose_processes_carry_the_secrets_the_code_requires(name):
    for process in compose_processes(name):
        env = compose_env(compose_service(process))
        for secret in required_secrets(name):
            key, value = setting(env, name, secret)
            assert key, f"{process} lacks {secret} (the code requires it)"
            # Required and not empty: ${VAR:?message}.
            assert re.fullmatch(r"\$\{[A-Za-z_][A-Za-z0-9_]*:\?[^}]*\}", value or ""), \
                f"{process}: {key} must be ${{VAR:?message}}, not {value!r}"
        for secret in optional_secrets(name):
            key, value = setting(env, name, secret)
            assert key, f"{process} lacks {secret}"
            assert REQUIRED_INTERPOLATION.match(value or ""), f"{process}: {key} must be ${{VAR?message}}"


def test_compose_sso_has_its_mail_settings():
    names = sso_mail_settings()
    for process in compose_processes("sso"):
        env = compose_env(compose_service(process))
        missing = [setting_name for setting_name in sorted(names) if not setting(env, "sso", setting_name)[0]]
        assert not missing, f"{process} lacks {missing}"


# =====================================================================================
# deploy/k8s
# =====================================================================================

def test_k8s_manifests_exist_and_are_unique():
    assert kustomizations(), "deploy/k8s has no kustomization.yaml"
    documents = k8s_documents()
    assert documents, "deploy/k8s has no manifests"
    keys = [(doc["apiVersion"].split("/")[0], doc["kind"], doc["metadata"]["name"]) for _, doc in documents]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    assert not duplicates, f"defined twice: {duplicates}"


def test_kustomization_lists_every_resource_file():
    listed: set[Path] = set()
    for kustomization in kustomizations():
        data = load_yaml(kustomization)
        assert data.get("namespace", NAMESPACE) == NAMESPACE
        for resource in data.get("resources", []):
            path = (kustomization.parent / resource).resolve()
            assert path.exists(), f"{kustomization.relative_to(K8S_DIR)} lists a missing {resource}"
            if path.is_file():
                listed.add(path)
            else:
                assert (path / "kustomization.yaml").exists(), f"{resource} is a folder without kustomization.yaml"
    unlisted = [str(path.relative_to(K8S_DIR)) for path in manifest_files() if path.resolve() not in listed]
    assert not unlisted, f"manifests no kustomization.yaml lists: {unlisted}"


@pytest.mark.parametrize("entry", k8s_documents(), ids=doc_id)
def test_k8s_document_matches_its_schema(entry):
    _, document = entry
    errors = k8s_errors(document)
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("entry", k8s_documents(), ids=doc_id)
def test_k8s_document_lives_in_the_namespace(entry):
    _, document = entry
    if document["kind"] == "Namespace":
        assert document["metadata"]["name"] == NAMESPACE
    else:
        assert document["metadata"].get("namespace") == NAMESPACE


@pytest.mark.parametrize("name", SERVICES)
def test_k8s_deploys_web_relay_consumer_and_migrate_per_service(name):
    for process in PROCESSES:
        deployment = find("Deployment", f"{name}-{process}")
        assert deployment["apiVersion"] == "apps/v1"
        [container] = pod_spec(deployment)["containers"]
        assert container["image"] == IMAGE
        assert [*container.get("command", []), *container.get("args", [])] == \
            ["python", "-m", f"services.{name}", process]
        assert selects(deployment["spec"]["selector"]["matchLabels"],
                       deployment["spec"]["template"]["metadata"]["labels"])
    job = find("Job", f"{name}-migrate")
    assert job["apiVersion"] == "batch/v1"
    [container] = pod_spec(job)["containers"]
    assert container["image"] == IMAGE
    assert [*container.get("command", []), *container.get("args", [])] == [
        "python", "-m", f"services.{name}", "migrate"]
    assert pod_spec(job)["restartPolicy"] in ("Never", "OnFailure")


@pytest.mark.parametrize("name", SERVICES)
def test_k8s_service_processes_have_their_settings(name):
    port = str(SERVICE_PORTS[name])
    for document in (find("Job", f"{name}-migrate"), *(find("Deployment", f"{name}-{p}") for p in PROCESSES)):
        for container in pod_spec(document)["containers"]:
            env = container_env(container)
            assert env.get("MODE") == ("value", "production")
            assert env.get("TOKEN_AUDIENCE") == ("value", "inservice-api")
            assert env.get("JWKS_URL") == ("value", f"http://sso-web:{SERVICE_PORTS['sso']}/jwks.json")
            assert env.get("HTTP_HOST") == ("value", "0.0.0.0") and env.get("HTTP_PORT") == ("value", port)
            assert "TOKEN_ISSUER" in env and "LOG_LEVEL" in env
            assert env.get("DATABASE_URL") == ("secret", (f"{name}-db-app", "uri"))
            assert env.get("BROKER_URL", ("", ""))[1].startswith("amqp://")
    for process in ("relay", "consumer"):
        [container] = pod_spec(find("Deployment", f"{name}-{process}"))["containers"]
        assert container_env(container).get("METRICS_PORT") == ("value", METRICS_PORT)


def check_web(document: dict, port: int) -> None:
    """Probes, port, Service and metrics of a web Deployment (a service's or the gateway)."""
    name = document["metadata"]["name"]
    [container] = pod_spec(document)["containers"]
    assert http_probe_path(container, "readinessProbe") == "/readyz", f"{name}: readiness on /readyz"
    assert http_probe_path(container, "livenessProbe") == "/healthz", f"{name}: liveness on /healthz"
    assert [p["containerPort"] for p in container["ports"]] == [port]
    labels = document["spec"]["template"]["metadata"]["labels"]
    services = [svc for svc in of_kind("Service") if selects(svc["spec"].get("selector", {}), labels)]
    assert len(services) == 1, f"{name}: expected one Service in front of it, found {len(services)}"
    [service_port] = services[0]["spec"]["ports"]
    assert service_port["port"] == port
    assert service_port.get("targetPort") in (port, container["ports"][0].get("name"))
    # gunicorn's multiprocess metrics: a directory of its own on an emptyDir.
    env = container_env(container)
    directory = env.get("PROMETHEUS_MULTIPROC_DIR", ("", ""))[1]
    mounts = {mount["mountPath"]: mount["name"] for mount in container.get("volumeMounts", [])}
    volumes = {volume["name"]: volume for volume in pod_spec(document).get("volumes", [])}
    assert directory in mounts and "emptyDir" in volumes[mounts[directory]], \
        f"{name}: PROMETHEUS_MULTIPROC_DIR must be an emptyDir mount"
    annotations = document["spec"]["template"]["metadata"].get("annotations", {})
    assert annotations.get("prometheus.io/scrape") == "true"
    assert annotations.get("prometheus.io/port") == str(port)
    budgets = [pdb for pdb in of_kind("PodDisruptionBudget") if selects(pdb["spec"]["selector"]["matchLabels"], labels)]
    assert budgets, f"{name}: no PodDisruptionBudget"


def test_k8s_every_long_running_container_restarts_and_has_a_liveness_probe():
    deployments = [doc for doc in workloads() if doc["kind"] in ("Deployment", "StatefulSet", "DaemonSet")]
    names = {doc["metadata"]["name"] for doc in deployments}
    assert {f"{name}-{process}" for name in SERVICES for process in PROCESSES} | {"gateway", WEB_GATEWAY} <= names
    for document in deployments:
        assert pod_spec(document).get("restartPolicy", "Always") == "Always"
        for container in pod_spec(document)["containers"]:
            probe = container.get("livenessProbe") or {}
            assert set(probe) & {"httpGet", "exec", "tcpSocket", "grpc"}, \
                f"{document['metadata']['name']}/{container['name']}: no liveness probe"


@pytest.mark.parametrize("name", SERVICES)
def test_k8s_relay_and_consumer_liveness_is_their_heartbeat(name):
    for process in ("relay", "consumer"):
        document = find("Deployment", f"{name}-{process}")
        [container] = pod_spec(document)["containers"]
        probe = container["livenessProbe"]
        path, max_age = liveness_check(probe["exec"]["command"])
        assert container_env(container).get("HEARTBEAT_FILE") == ("value", path), \
            f"{name}-{process}: the probe reads another file than the process writes"
        mounts = {mount["mountPath"]: mount["name"] for mount in container.get("volumeMounts", [])}
        volumes = {volume["name"]: volume for volume in pod_spec(document).get("volumes", [])}
        [mount] = [mount for mount in mounts if path.startswith(mount.rstrip("/") + "/")]
        assert "emptyDir" in volumes[mounts[mount]], f"{name}-{process}: heartbeat on a writable emptyDir"
        assert max_age >= SHORTEST_MAX_AGE, f"{name}-{process}: {max_age}s would restart a loop that waits"
        # The exec runs a Python interpreter: give it time on a busy node.
        assert probe.get("timeoutSeconds", 1) >= 5
        assert probe.get("initialDelaySeconds", 0) >= 10, "the process must start and beat first"
        period, failures = probe.get("periodSeconds", 10), probe.get("failureThreshold", 3)
        assert max_age + period * failures <= LONGEST_TIME_TO_RESTART


def test_liveness_checks_refuse_other_commands():
    with pytest.raises(AssertionError):
        liveness_check(["python", "-c", "pass"])
    with pytest.raises(AssertionError):
        liveness_check(["python", "-m", "servicekit.liveness", "/tmp/heartbeat"])
    assert liveness_check(["python", "-m", "servicekit.liveness", "/tmp/h", "--max-age", "90"]) == ("/tmp/h", 90.0)


@pytest.mark.parametrize("name", SERVICES)
def test_k8s_web_is_probed_served_and_scraped(name):
    check_web(find("Deployment", f"{name}-web"), SERVICE_PORTS[name])
    for process in ("relay", "consumer"):
        annotations = find("Deployment", f"{name}-{process}")["spec"]["template"]["metadata"].get("annotations", {})
        assert annotations.get("prometheus.io/scrape") == "true"
        assert annotations.get("prometheus.io/port") == METRICS_PORT


@pytest.mark.parametrize("name", SERVICES)
def test_k8s_each_service_has_its_own_postgres_cluster(name):
    cluster = find("Cluster", f"{name}-db")
    assert cluster["apiVersion"] == "postgresql.cnpg.io/v1"
    spec = cluster["spec"]
    assert spec["instances"] == 3
    assert spec["bootstrap"]["initdb"]["database"] == name
    assert spec["bootstrap"]["initdb"]["owner"] == name
    assert spec["storage"]["size"]


@pytest.mark.parametrize("name", SERVICES)
def test_k8s_consumers_scale_on_their_queue(name):
    scaled = find("ScaledObject", f"{name}-consumer")
    assert scaled["apiVersion"] == "keda.sh/v1alpha1"
    assert scaled["spec"]["scaleTargetRef"]["name"] == f"{name}-consumer"
    assert scaled["spec"]["scaleTargetRef"].get("kind", "Deployment") == "Deployment"
    [trigger] = scaled["spec"]["triggers"]
    assert trigger["type"] == "rabbitmq"
    assert trigger["metadata"]["mode"] == "QueueLength"
    assert trigger["metadata"]["queueName"] == f"{name}.events"
    assert float(trigger["metadata"]["value"]) > 0
    if "hostFromEnv" in trigger["metadata"]:
        [container] = pod_spec(find("Deployment", f"{name}-consumer"))["containers"]
        assert trigger["metadata"]["hostFromEnv"] in container_env(container)
    else:
        assert trigger.get("authenticationRef", {}).get("name"), "needs hostFromEnv or a TriggerAuthentication"
    # The autoscaler owns the replica count.
    assert "replicas" not in find("Deployment", f"{name}-consumer")["spec"]


def test_k8s_has_no_manifests_for_unknown_services():
    known = {*SERVICES, "gateway", WEB_GATEWAY, WEB_CLIENT, "rabbitmq"}  # rabbitmq: the broker-setup Job
    stray = sorted({str(doc["metadata"].get("labels", {}).get("app.kubernetes.io/name"))
                    for doc in workloads()} - known)
    assert not stray, f"workloads for services the code does not have: {stray}"


def test_k8s_web_client_is_web_only_with_no_database_nor_broker():
    """R-WEB-1: the web client runs like a service (Deployment, Service, probes, settings,
    its session key from a Secret) but is not a bus service: it is given no database and
    no broker, and keeps its sessions in the store its settings name."""
    web = find("Deployment", WEB_CLIENT)
    [container] = pod_spec(web)["containers"]
    assert [*container.get("command", []), *container.get("args", [])] == ["python", "-m", "web", "web"]
    check_web(web, SERVICE_PORTS[WEB_CLIENT])
    env = container_env(container)
    assert not {name for name in env if "DATABASE_URL" in name or "BROKER_URL" in name}
    assert env.get("WEB_SESSION_KEY", ("",))[0] == "secret"
    assert env.get("WEB_SESSION_STORE", ("",))[0] == "secret"
    assert env.get("WEB_GATEWAY_URL") == ("value", f"http://{WEB_GATEWAY}:{SERVICE_PORTS['gateway']}")
    assert env.get("MODE") == ("value", "production")
    gateway_env = container_env(pod_spec(find("Deployment", "gateway"))["containers"][0])
    assert gateway_env.get("WEB_URL") == ("value", f"http://web:{SERVICE_PORTS[WEB_CLIENT]}")


def test_compose_runs_the_web_client_behind_the_gateway_with_its_own_secret():
    web = compose_service(WEB_CLIENT)
    assert as_argv(web["command"]) == ["python", "-m", "web", "web"]
    env = compose_env(web)
    assert env["HTTP_PORT"] == str(SERVICE_PORTS[WEB_CLIENT])
    assert not {name for name in env if "DATABASE_URL" in name or "BROKER_URL" in name}
    assert REQUIRED_INTERPOLATION.match(env["WEB_SESSION_KEY"])
    assert env["WEB_SESSION_STORE"].startswith("redis://")
    assert "ports" not in web, "only the gateway is published"
    assert compose_env(compose_service("gateway"))["WEB_URL"] == \
        f"http://web:{SERVICE_PORTS[WEB_CLIENT]}"


def test_compose_the_web_client_calls_the_api_through_its_own_gateway():
    """Issue 14: a page holds a thread of the public gateway while it waits for its API
    calls; sent through that gateway again, the calls queue behind the pages until they
    time out. The web client's calls go to a gateway of their own: the same command and
    settings, the API only, not published."""
    web = compose_service(WEB_CLIENT)
    assert compose_env(web)["WEB_GATEWAY_URL"] == f"http://{WEB_GATEWAY}:{SERVICE_PORTS['gateway']}"
    assert depends_on(web).get(WEB_GATEWAY) == "service_healthy"
    public, own = compose_service("gateway"), compose_service(WEB_GATEWAY)
    assert own.get("image") == IMAGE and as_argv(own["command"]) == as_argv(public["command"])
    assert "ports" not in own, "the web client's gateway is not published"
    own_env, public_env = compose_env(own), compose_env(public)
    assert own_env.pop("API_ONLY") == "true" and "API_ONLY" not in public_env
    assert own_env == public_env, "the same settings as the public gateway"
    assert own.get("healthcheck") == public.get("healthcheck")
    assert WEB_CLIENT not in depends_on(own), "it never calls the web client"
    assert {name for name in depends_on(public) if name != WEB_CLIENT} <= set(depends_on(own))


@pytest.mark.parametrize("name", ["gateway", WEB_GATEWAY])
def test_k8s_gateway_is_web_only_and_reaches_every_service(name):
    gateway = find("Deployment", name)
    [container] = pod_spec(gateway)["containers"]
    assert container["image"] == IMAGE
    assert [*container.get("command", []), *container.get("args", [])] == ["python", "-m", "gateway", "web"]
    check_web(gateway, SERVICE_PORTS["gateway"])
    env = container_env(container)
    for name in SERVICES:
        assert env.get(f"{name.upper()}_URL") == ("value", f"http://{name}-web:{SERVICE_PORTS[name]}")
    assert env.get("JWKS_URL") == ("value", f"http://sso-web:{SERVICE_PORTS['sso']}/jwks.json")
    assert env.get("MODE") == ("value", "production")
    assert env.get("RATE_LIMIT_STORAGE", ("",))[0] in ("secret", "config")


def test_k8s_one_rabbitmq_cluster_with_three_nodes():
    [cluster] = of_kind("RabbitmqCluster")
    assert cluster["apiVersion"] == "rabbitmq.com/v1beta1"
    assert cluster["spec"]["replicas"] == 3
    # The administrator the operator writes for this cluster is the broker setup's only:
    # no process of a service reads it (each has its own user, see below).
    secret = f"{cluster['metadata']['name']}-default-user"
    readers = sorted({document["metadata"]["name"] for document in workloads()
                      for container in containers(document)
                      for kind, ref in container_env(container).values()
                      if kind == "secret" and ref[0] == secret})
    assert readers == ["broker-setup"]


def test_k8s_secrets_are_only_referenced():
    found = [f"{doc['kind']}/{doc['metadata']['name']}: {problem}"
             for doc in workloads() for container in containers(doc) for problem in secret_violations(container)]
    assert not found, "\n".join(found)
    # Whole secrets as environment would hide which variables are secret: one
    # secretKeyRef per variable.
    whole = [f"{doc['kind']}/{doc['metadata']['name']}/{container['name']}"
             for doc in workloads() for container in containers(doc)
             for source in container.get("envFrom", []) if "secretRef" in source]
    assert not whole, f"envFrom secretRef, not secretKeyRef: {whole}"
    for config_map in of_kind("ConfigMap"):
        for key, value in (config_map.get("data") or {}).items():
            assert not SECRET_NAME.search(key), f"ConfigMap {config_map['metadata']['name']} holds {key}"
            assert not URL_PASSWORD.match(str(value)), f"ConfigMap {config_map['metadata']['name']}: password in {key}"
    assert not of_kind("Secret"), "secrets are made by the operators or outside the manifests, never here"


def test_k8s_pods_are_hardened_and_sized():
    for document in workloads():
        spec = pod_spec(document)
        for container in containers(document):
            where = f"{document['kind']}/{document['metadata']['name']}/{container['name']}"
            context = container.get("securityContext") or {}
            assert pod_value(document, container, "runAsNonRoot") is True, f"{where}: runAsNonRoot"
            assert context.get("readOnlyRootFilesystem") is True, f"{where}: readOnlyRootFilesystem"
            assert context.get("allowPrivilegeEscalation") is False, f"{where}: allowPrivilegeEscalation"
            assert "ALL" in (context.get("capabilities") or {}).get("drop", []), f"{where}: drop ALL capabilities"
            resources = container.get("resources") or {}
            assert {"cpu", "memory"} <= set(resources.get("requests", {})), f"{where}: requests"
            assert "memory" in resources.get("limits", {}), f"{where}: memory limit"
        assert spec.get("automountServiceAccountToken") is False


@pytest.mark.parametrize("name", SERVICES)
def test_k8s_containers_carry_the_secrets_the_code_requires(name):
    documents = service_workloads(name)
    kinds = {document["kind"] for document in documents}
    assert {"Deployment", "Job", "CronJob"} <= kinds, f"{name}: workloads {sorted(kinds)}"
    for document in documents:
        for container in containers(document):
            where = f"{document['kind']}/{document['metadata']['name']}/{container['name']}"
            refs = secret_key_refs(container)
            for secret in required_secrets(name):
                key, ref = setting(refs, name, secret)
                assert key, f"{where}: {secret} (required by the code) is not a secretKeyRef"
                assert ref.get("name") and ref.get("key"), f"{where}: {key} names no secret and key"
                assert not ref.get("optional"), f"{where}: {key} is required, not optional"
            for secret in optional_secrets(name):
                key, ref = setting(refs, name, secret)
                assert key, f"{where}: {secret} is not a secretKeyRef"
                # Required, the pods would not start while the Secret lacks a key they can do without.
                assert ref.get("optional") is True, f"{where}: {key} must be an optional secretKeyRef"


def test_k8s_sso_has_its_mail_settings():
    names = sso_mail_settings()
    for document in service_workloads("sso"):
        for container in containers(document):
            env = container_env(container)
            for name in sorted(names):
                key, value = setting(env, "sso", name)
                where = f"{document['kind']}/{document['metadata']['name']}: {name}"
                assert key, f"{where} is missing"
                if name in optional_secrets("sso"):
                    assert value[0] == "secret", f"{where} must be a secretKeyRef"
                else:
                    assert value[0] == "value", f"{where} belongs in the settings ConfigMap"


def check_schedule(schedule: str, period: str) -> None:
    fields = schedule.split()
    assert len(fields) == 5, f"{schedule!r}: five fields (minute hour day month weekday)"
    minute, hour, day, month, weekday = fields
    if period == "frequent":
        step = re.fullmatch(r"\*/(\d+)", minute)
        assert step and int(step[1]) in FREQUENT_MINUTES, f"{schedule!r}: every few minutes"
        assert (hour, day, month, weekday) == ("*", "*", "*", "*"), f"{schedule!r}: all day"
        return
    assert minute.isdigit() and int(minute) < 60, f"{schedule!r}: one fixed minute"
    assert hour.isdigit() and int(hour) in NIGHT_HOURS, f"{schedule!r}: at night ({TIME_ZONE})"
    if period == "monthly":  # one day that every month has
        assert day.isdigit() and 1 <= int(day) <= 28, f"{schedule!r}: one day of the month"
        assert (month, weekday) == ("*", "*"), f"{schedule!r}: every month"
        return
    assert day == "*" and month == "*", f"{schedule!r}: every day of every month"
    if period == "daily":
        assert weekday == "*", f"{schedule!r}: daily"
    else:
        assert re.fullmatch(r"[0-7]|SUN|MON|TUE|WED|THU|FRI|SAT", weekday, re.IGNORECASE), \
            f"{schedule!r}: weekly, one day of the week"


@pytest.mark.parametrize("service, job_name, arguments, period", SCHEDULED_JOBS,
                         ids=[job[1] for job in SCHEDULED_JOBS])
def test_k8s_scheduled_job_runs_the_command_like_the_service(service, job_name, arguments, period):
    cronjob = find("CronJob", job_name)
    assert cronjob["apiVersion"] == "batch/v1"
    assert cronjob["metadata"].get("labels", {}).get("app.kubernetes.io/name") == service
    spec = cronjob["spec"]
    check_schedule(spec["schedule"], period)
    assert spec.get("timeZone") == TIME_ZONE
    assert spec.get("concurrencyPolicy") == "Forbid", "a run must not overlap the previous one"
    for limit in ("successfulJobsHistoryLimit", "failedJobsHistoryLimit"):
        assert isinstance(spec.get(limit), int) and 1 <= spec[limit] <= 10, f"{job_name}: {limit}"
    job_spec = spec["jobTemplate"]["spec"]
    assert isinstance(job_spec.get("activeDeadlineSeconds"), int) and job_spec["activeDeadlineSeconds"] > 0
    assert pod_spec(cronjob)["restartPolicy"] == "OnFailure"
    [container] = pod_spec(cronjob)["containers"]
    assert container["image"] == IMAGE
    assert [*container.get("command", []), *container.get("args", [])] == \
        ["python", "-m", f"services.{service}", *arguments]
    # The same settings, secrets and hardening as the service's migrate Job.
    migrate = find("Job", f"{service}-migrate")
    [reference] = pod_spec(migrate)["containers"]
    assert container_env(container) == container_env(reference), f"{job_name}: env differs from {service}-migrate"
    assert container.get("envFrom") == reference.get("envFrom")
    assert container.get("securityContext") == reference.get("securityContext")
    assert pod_spec(cronjob).get("securityContext") == pod_spec(migrate).get("securityContext")


def test_k8s_every_cronjob_is_a_known_scheduled_job_and_valid():
    cronjobs = of_kind("CronJob")
    assert sorted(doc["metadata"]["name"] for doc in cronjobs) == sorted(job[1] for job in SCHEDULED_JOBS)
    for cronjob in cronjobs:
        errors = k8s_errors(cronjob)
        assert not errors, f"CronJob/{cronjob['metadata']['name']}:\n" + "\n".join(errors)


# =====================================================================================
# The checks can fail: broken copies must be refused.
# =====================================================================================

def test_compose_validator_refuses_a_broken_file():
    broken = copy.deepcopy(compose())
    broken["services"]["gateway"]["depends_on"] = {"redis": {"condition": "whenever"}}
    broken["services"]["gateway"]["comand"] = "typo"
    errors = schema_errors(compose_validator(), broken)
    assert any("whenever" in error for error in errors), errors
    assert any("comand" in error for error in errors), errors


def test_k8s_validator_refuses_broken_core_documents():
    deployment = copy.deepcopy(find("Deployment", f"{SERVICES[0]}-web"))
    deployment["spec"]["replicas"] = "two"
    assert any("replicas" in error for error in k8s_errors(deployment))
    deployment = copy.deepcopy(find("Deployment", f"{SERVICES[0]}-web"))
    pod_spec(deployment)["containers"][0]["imagePullPolicyy"] = "Always"
    assert k8s_errors(deployment), "strict validation must refuse an unknown field"
    job = copy.deepcopy(find("Job", f"{SERVICES[0]}-migrate"))
    job["apiVersion"] = "batch/v2"
    assert k8s_errors(job)


@pytest.mark.parametrize("breaks", [
    lambda spec: spec.update(timezone=TIME_ZONE),  # misspelt timeZone
    lambda spec: spec.update(successfulJobsHistoryLimit="three"),
    lambda spec: spec["jobTemplate"]["spec"].update(activeDeadlineSecond=600),
    lambda spec: spec["jobTemplate"]["spec"]["template"]["spec"]["containers"][0].update(commands=["x"]),
], ids=["timezone", "history-limit", "deadline", "container-field"])
def test_k8s_validator_refuses_broken_cronjobs(breaks):
    cronjob = copy.deepcopy(find("CronJob", f"{SERVICES[0]}-tidy-outbox"))
    assert not k8s_errors(cronjob)
    breaks(cronjob["spec"])
    assert k8s_errors(cronjob), "a broken CronJob passed strict validation"


def test_schedule_and_secret_checks_catch_mistakes():
    check_schedule("30 2 * * *", "daily")
    check_schedule("0 4 * * 0", "weekly")
    check_schedule("0 2 6 * *", "monthly")
    for schedule, period in (("0 14 * * *", "daily"), ("*/5 * * * *", "daily"), ("0 3 * * 0", "daily"),
                             ("0 3 * * *", "weekly"), ("0 3 1 * *", "daily"), ("0 3 * *", "daily"),
                             ("0 3 * * *", "monthly"), ("0 3 31 * *", "monthly"),
                             ("0 14 6 * *", "monthly")):
        with pytest.raises(AssertionError):
            check_schedule(schedule, period)
    assert literal_secrets({"PAIRWISE_KEY": "abc"})
    assert literal_secrets({"NATIONAL_ID_RETIRED_ENCRYPTION_KEYS": "${OLD_KEYS:-abc}"})
    assert not literal_secrets({"FORM_KEY": "${SSO_FORM_KEY:?set it}"})
    assert secret_violations({"name": "c", "env": [{"name": "KEY_ENCRYPTION_KEY", "value": "abc"}]})
    assert setting({"SSO_FORM_KEY": 1}, "sso", "FORM_KEY") == ("SSO_FORM_KEY", 1)
    assert setting({"FORM_KEY": 2}, "sso", "FORM_KEY") == ("FORM_KEY", 2)
    assert setting({}, "sso", "FORM_KEY") == (None, None)


@pytest.mark.parametrize("kind, name, breaks", [
    ("RabbitmqCluster", None, lambda spec: spec.update(replicas="three")),
    ("Cluster", f"{SERVICES[0]}-db", lambda spec: spec.update(instancess=3)),
    ("Cluster", f"{SERVICES[0]}-db", lambda spec: spec["storage"].update(size=20)),
    ("ScaledObject", f"{SERVICES[0]}-consumer", lambda spec: spec.pop("triggers")),
    ("ScaledObject", f"{SERVICES[0]}-consumer", lambda spec: spec["triggers"][0]["metadata"].update(value=600)),
])
def test_crd_validator_refuses_broken_custom_resources(kind, name, breaks):
    document = copy.deepcopy(of_kind(kind)[0] if name is None else find(kind, name))
    assert not k8s_errors(document)
    breaks(document["spec"])
    assert k8s_errors(document), f"a broken {kind} passed its CRD schema"


def test_secret_checks_catch_literals():
    assert literal_secrets({"POSTGRES_PASSWORD": "hunter2"})
    assert literal_secrets({"POSTGRES_PASSWORD": "${POSTGRES_PASSWORD:-hunter2}"})
    assert literal_secrets({"DATABASE_URL": "postgresql+psycopg://courses:hunter2@postgres:5432/courses"})
    assert literal_secrets({"BROKER_URL": "amqp://${USER:?set it}:${PASSWORD:-guest}@rabbitmq/"})
    assert not literal_secrets({"DATABASE_URL": "postgresql+psycopg://c:${C_DB_PASSWORD:?set it}@postgres/c"})
    assert not literal_secrets({"BROKER_URL": "amqp://${USER:?set it}:${PASSWORD:?set it}@rabbitmq/"})
    secret = {"valueFrom": {"secretKeyRef": {"name": "s", "key": "password"}}}
    assert secret_violations({"name": "c", "env": [{"name": "DATABASE_URL", "value": "postgresql://a:b@h/d"}]})
    assert secret_violations({"name": "c", "env": [{"name": "P", **secret},
                                                   {"name": "BROKER_URL", "value": "amqp://u:$(P)x@h/"}]})
    assert secret_violations({"name": "c", "env": [{"name": "P", "value": "plain"},
                                                   {"name": "BROKER_URL", "value": "amqp://u:$(P)@h/"}]})
    assert not secret_violations({"name": "c", "env": [{"name": "P", **secret},
                                                       {"name": "BROKER_URL", "value": "amqp://u:$(P)@h/"}]})


# =====================================================================================
# Who reaches which pod (NetworkPolicy), the gateway's trusted proxies, and the settings
# production requires of every process
# =====================================================================================

INGRESS_NAMESPACE = "ingress-nginx"
MONITORING_NAMESPACE = "monitoring"
GATEWAY_PODS = ("pods", (("app.kubernetes.io/component", "web"), ("app.kubernetes.io/name", "gateway")))
WEB_CLIENT_PODS = ("pods", (("app.kubernetes.io/component", "client"), ("app.kubernetes.io/name", "web")))
WEB_GATEWAY_PODS = ("pods", (("app.kubernetes.io/component", "web"), ("app.kubernetes.io/name", WEB_GATEWAY)))
PLATFORM_WEB_PODS = ("pods", (("app.kubernetes.io/component", "web"),
                              ("app.kubernetes.io/part-of", "inservice-platform")))


def label_selects(selector: dict, labels: dict) -> bool:
    """A Kubernetes label selector (matchLabels and matchExpressions) against labels;
    an empty selector selects everything."""
    if not all(labels.get(key) == value for key, value in (selector.get("matchLabels") or {}).items()):
        return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and labels.get(key) in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


def peer(source: dict) -> tuple:
    """One ``from`` entry, as ("pods", labels) of this namespace or ("namespace", name).
    Anything wider (an IP block, an empty selector, pods of any namespace) is refused."""
    assert set(source) in ({"podSelector"}, {"namespaceSelector"}), f"unexpected peer {source}"
    if "podSelector" in source:
        selector = source["podSelector"]
        assert selector.get("matchLabels") and not selector.get("matchExpressions"), source
        return ("pods", tuple(sorted(selector["matchLabels"].items())))
    selector = source["namespaceSelector"]
    assert list(selector) == ["matchLabels"] and list(selector["matchLabels"]) == ["kubernetes.io/metadata.name"], \
        f"a namespace is named by kubernetes.io/metadata.name alone: {source}"
    return ("namespace", selector["matchLabels"]["kubernetes.io/metadata.name"])


def allowed_in(labels: dict, policies: list[dict] | None = None) -> tuple[bool, set[tuple]]:
    """For a pod of the namespace with these labels: whether any policy isolates its
    ingress, and each (peer, port) the policies let in."""
    isolated, allowed = False, set()
    for policy in of_kind("NetworkPolicy") if policies is None else policies:
        spec = policy["spec"]
        if not label_selects(spec["podSelector"], labels):
            continue
        assert spec.get("policyTypes") == ["Ingress"], f"{policy['metadata']['name']}: Ingress only"
        isolated = True
        for rule in spec.get("ingress", []):
            assert rule.get("from"), f"{policy['metadata']['name']}: a rule without `from` lets everyone in"
            assert rule.get("ports"), f"{policy['metadata']['name']}: a rule without ports opens every port"
            for port in rule["ports"]:
                assert port.get("protocol", "TCP") == "TCP" and "endPort" not in port
                allowed.update((peer(source), port["port"]) for source in rule["from"])
    return isolated, allowed


def pod_labels(document: dict) -> dict:
    if document["kind"] == "CronJob":
        return document["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"]
    return document["spec"]["template"]["metadata"]["labels"]


def named_ports(document: dict) -> set[str]:
    return {port["name"] for container in containers(document) for port in container.get("ports", [])
            if "name" in port}


def test_k8s_only_the_gateway_reaches_the_services_web_ports():
    """R-GW-1: around the gateway, no pod and no client reaches a service's API; Prometheus
    reaches /metrics on the web port; sso's keys are fetched by every platform web pod."""
    for name in SERVICES:
        web = find("Deployment", f"{name}-web")
        isolated, allowed = allowed_in(pod_labels(web))
        expected = {(GATEWAY_PODS, "http"), (WEB_GATEWAY_PODS, "http"),
                    (("namespace", MONITORING_NAMESPACE), "http")}
        if name == "sso":
            expected.add((PLATFORM_WEB_PODS, "http"))
        assert isolated and allowed == expected, f"{name}-web lets in {sorted(allowed)}"
        assert "http" in named_ports(web) and [p["containerPort"] for p in containers(web)[0]["ports"]] == \
            [SERVICE_PORTS[name]]


def test_k8s_the_gateway_is_reached_from_the_ingress_and_monitoring_only():
    """R-GW-1; issue 14: the web client does not call the public gateway, whose threads its
    pages hold while they wait for their API calls."""
    gateway = find("Deployment", "gateway")
    isolated, allowed = allowed_in(pod_labels(gateway))
    assert isolated and allowed == {(("namespace", INGRESS_NAMESPACE), "http"),
                                    (("namespace", MONITORING_NAMESPACE), "http")}, sorted(allowed)
    assert "http" in named_ports(gateway)


def test_k8s_the_web_clients_gateway_is_reached_from_the_web_client_and_monitoring_only():
    """Issue 14: not exposed; the web client's pods alone call it (and Prometheus scrapes)."""
    own = find("Deployment", WEB_GATEWAY)
    isolated, allowed = allowed_in(pod_labels(own))
    assert isolated and allowed == {(WEB_CLIENT_PODS, "http"),
                                    (("namespace", MONITORING_NAMESPACE), "http")}, sorted(allowed)
    assert label_selects({"matchLabels": dict(WEB_GATEWAY_PODS[1])}, pod_labels(own))
    assert not label_selects({"matchLabels": dict(GATEWAY_PODS[1])}, pod_labels(own)), \
        "the public gateway's Service and policies would take its pods for theirs"


def service_behind(url: str) -> dict:
    """The Service a cluster URL (http://<service>:<port>) names, checked to have that port."""
    parts = urlsplit(url)
    service = find("Service", parts.hostname or "")
    assert parts.port in [port["port"] for port in service["spec"]["ports"]], url
    return service


def test_k8s_the_web_client_calls_the_api_through_its_own_gateway():
    """Issue 14: WEB_GATEWAY_URL names a Service whose pods are only the web client's
    gateway: the gateway's image, command and settings, API_ONLY (it never forwards a page
    back to the web client), sized and budgeted like the public one."""
    [container] = pod_spec(find("Deployment", WEB_CLIENT))["containers"]
    _, url = container_env(container)["WEB_GATEWAY_URL"]
    selector = service_behind(url)["spec"]["selector"]
    behind = [doc for doc in workloads() if selects(selector, pod_labels(doc))]
    assert [doc["metadata"]["name"] for doc in behind] == [WEB_GATEWAY], \
        f"{url} reaches {[doc['metadata']['name'] for doc in behind]}"
    public, own = find("Deployment", "gateway"), find("Deployment", WEB_GATEWAY)
    [public_container], [own_container] = pod_spec(public)["containers"], pod_spec(own)["containers"]
    own_env, public_env = container_env(own_container), container_env(public_container)
    assert own_env.pop("API_ONLY") == ("value", "true") and "API_ONLY" not in public_env
    assert own_env == public_env, "the same settings and secrets as the public gateway"
    for field in ("image", "command", "resources", "securityContext", "readinessProbe",
                  "livenessProbe", "startupProbe", "volumeMounts"):
        assert own_container.get(field) == public_container.get(field), field
    assert own["spec"]["replicas"] >= 2, "one pod down must not stop every page"


def test_k8s_the_web_client_is_reached_from_the_gateway_and_monitoring_only():
    web = find("Deployment", WEB_CLIENT)
    isolated, allowed = allowed_in(pod_labels(web))
    assert isolated and allowed == {(GATEWAY_PODS, "http"),
                                    (("namespace", MONITORING_NAMESPACE), "http")}, sorted(allowed)
    assert label_selects({"matchLabels": dict(WEB_CLIENT_PODS[1])}, pod_labels(web))


def test_k8s_relays_and_consumers_are_reached_by_monitoring_on_their_metrics_port_only():
    for name in SERVICES:
        for process in ("relay", "consumer"):
            deployment = find("Deployment", f"{name}-{process}")
            isolated, allowed = allowed_in(pod_labels(deployment))
            assert isolated and allowed == {(("namespace", MONITORING_NAMESPACE), "metrics")}, \
                f"{name}-{process} lets in {sorted(allowed)}"
            assert "metrics" in named_ports(deployment)


def test_k8s_every_platform_pod_is_closed_unless_a_policy_opens_it():
    """Jobs and CronJobs are reached by nobody; no platform workload is left open."""
    for document in workloads():
        isolated, allowed = allowed_in(pod_labels(document))
        where = f"{document['kind']}/{document['metadata']['name']}"
        assert isolated, f"{where}: no NetworkPolicy selects its pods"
        if document["kind"] in ("Job", "CronJob"):
            assert not allowed, f"{where} lets in {sorted(allowed)}"


def test_k8s_the_policies_peers_are_real_pods():
    """A selector that matches no pod's labels would let nobody in (or the wrong pods)."""
    gateway_labels = pod_labels(find("Deployment", "gateway"))
    assert label_selects({"matchLabels": dict(GATEWAY_PODS[1])}, gateway_labels)
    web_pods = [pod_labels(find("Deployment", f"{name}-web")) for name in SERVICES] + \
        [gateway_labels, pod_labels(find("Deployment", WEB_GATEWAY))]
    assert all(label_selects({"matchLabels": dict(PLATFORM_WEB_PODS[1])}, labels) for labels in web_pods)
    others = [pod_labels(doc) for doc in workloads() if pod_labels(doc) not in web_pods]
    assert not any(label_selects({"matchLabels": dict(PLATFORM_WEB_PODS[1])}, labels) for labels in others)


def test_network_policy_checks_catch_mistakes():
    open_rule = {"kind": "NetworkPolicy", "metadata": {"name": "open"},
                 "spec": {"podSelector": {}, "policyTypes": ["Ingress"],
                          "ingress": [{"ports": [{"port": "http"}]}]}}
    with pytest.raises(AssertionError, match="lets everyone in"):
        allowed_in({"any": "pod"}, [open_rule])
    every_port = copy.deepcopy(open_rule)
    every_port["spec"]["ingress"] = [{"from": [{"podSelector": {"matchLabels": {"a": "b"}}}]}]
    with pytest.raises(AssertionError, match="opens every port"):
        allowed_in({"any": "pod"}, [every_port])
    assert label_selects({}, {"any": "pod"})
    assert not label_selects({"matchExpressions": [{"key": "a", "operator": "In", "values": ["x"]}]}, {"a": "y"})
    with pytest.raises(AssertionError):
        peer({"ipBlock": {"cidr": "0.0.0.0/0"}})
    with pytest.raises(AssertionError):
        peer({"podSelector": {}})
    with pytest.raises(AssertionError):
        peer({"namespaceSelector": {}})
    policy = copy.deepcopy(find("NetworkPolicy", "service-web-from-gateway"))
    policy["spec"]["ingress"][0]["ports"][0]["prot"] = "TCP"
    assert k8s_errors(policy), "strict validation must refuse an unknown field of a NetworkPolicy"
    policy = copy.deepcopy(find("NetworkPolicy", "service-web-from-gateway"))
    policy["spec"]["ingress"][0]["from"] = {"podSelector": {}}
    assert k8s_errors(policy), "`from` is a list"


def test_k8s_gateway_trusts_the_ingress_and_not_the_world():
    """R-GW-1: X-Forwarded-For counts from the ingress controller only (gateway/clients.py)."""
    from gateway.clients import ClientAddresses

    [container] = pod_spec(find("Deployment", "gateway"))["containers"]
    source, value = container_env(container).get("TRUSTED_PROXIES", (None, ""))
    assert source == "value" and value, "TRUSTED_PROXIES must be set for the ingress"
    ClientAddresses(value)  # parses, or InvalidSetting
    import ipaddress
    for entry in value.split(","):
        network = ipaddress.ip_network(entry.strip(), strict=False)
        assert network.is_private and network.prefixlen >= 8, f"{entry}: trusts far more than an ingress"


def runs_settings(module: str) -> bool:
    """A service or the gateway reads ``Settings``; the broker's one-off setup does not."""
    return module in SERVICES or module == "gateway"


def test_every_process_is_given_the_settings_production_requires():
    """``servicekit.settings.REQUIRED_IN_PRODUCTION``, read from the code: every process
    of compose and of deploy/k8s running the image has each, not empty."""
    from servicekit.settings import REQUIRED_IN_PRODUCTION

    assert set(REQUIRED_IN_PRODUCTION) >= {"TOKEN_ISSUER", "JWKS_URL"}
    for key, service in compose()["services"].items():
        if service.get("image") != IMAGE:
            continue
        env = compose_env(service)
        name = as_argv(service["command"])[2].removeprefix("services.")
        if not runs_settings(name):
            continue
        for setting_name in REQUIRED_IN_PRODUCTION:
            found, value = setting(env, name, setting_name)
            assert found and value, f"compose {key}: {setting_name} is not set"
    for document in workloads():
        for container in containers(document):
            if container.get("image") != IMAGE:
                continue
            env = container_env(container)
            name = container["command"][2].removeprefix("services.")
            if not runs_settings(name):
                continue
            for setting_name in REQUIRED_IN_PRODUCTION:
                found, value = setting(env, name, setting_name)
                assert found and value and value[1], \
                    f"{document['kind']}/{document['metadata']['name']}: {setting_name} is not set"


# =====================================================================================
# Each service's own broker user (issue 8, point 7; R-SSO-4: sso mints roles from
# accounts' events, so no other service may publish them)
# =====================================================================================

def broker_setup():
    from servicekit.bus import access, setup
    return access, setup


@pytest.mark.parametrize("name", SERVICES)
def test_compose_each_service_connects_as_its_own_broker_user(name):
    access, _ = broker_setup()
    own = rf"amqp://{access.user_name(name)}:\$\{{{name.upper()}_BROKER_PASSWORD(:\?[^}}]*)?\}}@rabbitmq:5672/%2F"
    for process in compose_processes(name):
        env = compose_env(compose_service(process))
        assert re.fullmatch(own, env.get("BROKER_URL") or ""), (process, env.get("BROKER_URL"))
        others = [key for key, value in env.items()
                  if "RABBITMQ_" in (value or "") or ("BROKER_PASSWORD" in (value or "") and
                                                      f"{name.upper()}_BROKER_PASSWORD" not in value)]
        assert not others, f"{process} is given another user's broker credentials: {others}"


def test_compose_broker_setup_makes_every_user_before_any_migration():
    setup_service = compose_service("broker-setup")
    assert setup_service.get("image") == IMAGE
    assert as_argv(setup_service["command"]) == ["python", "-m", "servicekit.bus.setup", "all",
                                                 "--management-url", "http://rabbitmq:15672"]
    assert setup_service.get("restart", "no") == "no"
    assert depends_on(setup_service) == {"rabbitmq": "service_healthy"}
    env = compose_env(setup_service)
    for name in SERVICES:
        assert REQUIRED_INTERPOLATION.match(env.get(f"{name.upper()}_BROKER_PASSWORD") or ""), name
        assert depends_on(compose_service(f"{name}-migrate"))["broker-setup"] == \
            "service_completed_successfully"
    assert REQUIRED_INTERPOLATION.match(env.get("RABBITMQ_PASSWORD") or "")
    assert not literal_secrets(env)


def test_k8s_broker_users_are_what_the_code_derives():
    """broker-users.yaml is the output of ``python -m servicekit.bus.setup k8s``: the
    rights come from servicekit/bus/access.py, never spelled by hand."""
    _, setup = broker_setup()
    kinds = ("User", "Permission", "TopicPermission")
    found = sorted((doc for _, doc in k8s_documents() if doc["kind"] in kinds),
                   key=lambda doc: (doc["kind"], doc["metadata"]["name"]))
    derived = sorted(setup.k8s_resources(SERVICES, namespace=NAMESPACE),
                     key=lambda doc: (doc["kind"], doc["metadata"]["name"]))
    assert found == derived, "regenerate: python -m servicekit.bus.setup k8s > deploy/k8s/base/broker-users.yaml"
    [cluster] = of_kind("RabbitmqCluster")
    for name in SERVICES:
        user = find("User", f"{name}-broker")
        assert user["spec"]["rabbitmqClusterReference"] == {"name": cluster["metadata"]["name"]}
        assert user["spec"]["importCredentialsSecret"] == {"name": f"{name}-broker-user"}
        [topic] = [doc for doc in of_kind("TopicPermission")
                   if doc["spec"]["userReference"] == {"name": f"{name}-broker"}]
        assert topic["spec"]["permissions"]["exchange"] == "platform.events"
        assert topic["spec"]["permissions"]["write"] == rf"^{name}\."  # its own events only


@pytest.mark.parametrize("name", SERVICES)
def test_k8s_every_process_of_a_service_uses_its_own_broker_user(name):
    documents = service_workloads(name)
    assert {doc["metadata"]["name"] for doc in documents} >= {
        f"{name}-migrate", *(f"{name}-{process}" for process in PROCESSES), f"{name}-tidy-outbox"}
    for document in documents:
        for container in containers(document):
            where = f"{document['kind']}/{document['metadata']['name']}/{container['name']}"
            env = container_env(container)
            assert env.get("BROKER_USERNAME") == ("secret", (f"{name}-broker-user", "username")), where
            assert env.get("BROKER_PASSWORD") == ("secret", (f"{name}-broker-user", "password")), where
            assert env["BROKER_URL"][1].startswith("amqp://$(BROKER_USERNAME):$(BROKER_PASSWORD)@"), where
            broker_secrets = {ref[0] for kind, ref in env.values()
                              if kind == "secret" and ("broker" in ref[0] or "rabbitmq" in ref[0])}
            assert broker_secrets == {f"{name}-broker-user"}, f"{where}: {broker_secrets}"


def test_k8s_broker_setup_declares_the_shared_exchanges_as_the_administrator():
    job = find("Job", "broker-setup")
    [container] = pod_spec(job)["containers"]
    assert container["image"] == IMAGE
    assert [*container.get("command", []), *container.get("args", [])] == \
        ["python", "-m", "servicekit.bus.setup", "declare-shared"]
    env = container_env(container)
    assert env.get("BROKER_USERNAME") == ("secret", ("rabbitmq-default-user", "username"))
    assert env.get("BROKER_PASSWORD") == ("secret", ("rabbitmq-default-user", "password"))
    assert pod_spec(job)["restartPolicy"] in ("Never", "OnFailure")


@pytest.mark.parametrize("kind, name, breaks", [
    ("User", f"{SERVICES[0]}-broker", lambda spec: spec.pop("rabbitmqClusterReference")),
    ("User", f"{SERVICES[0]}-broker", lambda spec: spec.update(tags=["impersonator"])),
    ("Permission", f"{SERVICES[0]}-broker", lambda spec: spec.pop("vhost")),
    ("Permission", f"{SERVICES[0]}-broker", lambda spec: spec["permissions"].update(publish=".*")),
    ("TopicPermission", f"{SERVICES[0]}-broker-platform-events",
     lambda spec: spec["permissions"].pop("exchange")),
])
def test_crd_validator_refuses_broken_broker_users(kind, name, breaks):
    document = copy.deepcopy(find(kind, name))
    assert not k8s_errors(document)
    breaks(document["spec"])
    assert k8s_errors(document), f"a broken {kind} passed its CRD schema"


# =====================================================================================
# The runbook's CloudNativePG examples (docs/operations.md, "Backups and restore")
# =====================================================================================

RUNBOOK = REPO / "docs" / "operations.md"


def runbook_yaml_blocks() -> list[dict]:
    text = RUNBOOK.read_text(encoding="utf-8")
    return [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", text, re.DOTALL)]


def test_runbook_backup_and_restore_examples_match_cloudnativepg():
    blocks = runbook_yaml_blocks()
    [backup] = [block for block in blocks if "kind" not in block and "backup" in block["spec"]]
    cluster = copy.deepcopy(find("Cluster", f"{SERVICES[0]}-db"))
    cluster["spec"].update(backup["spec"])
    errors = k8s_errors(cluster)
    assert not errors, "the backup section does not fit the Cluster:\n" + "\n".join(errors)
    [restored] = [block for block in blocks if block.get("kind") == "Cluster"]
    errors = k8s_errors(restored)
    assert not errors, "the restore example is not a valid Cluster:\n" + "\n".join(errors)
    recovery = restored["spec"]["bootstrap"]["recovery"]
    [source] = [c for c in restored["spec"]["externalClusters"] if c["name"] == recovery["source"]]
    store = backup["spec"]["backup"]["barmanObjectStore"]
    assert source["barmanObjectStore"]["destinationPath"] == store["destinationPath"]
    assert source["barmanObjectStore"]["serverName"] == cluster["metadata"]["name"]
    # ScheduledBackup has no CRD here: its shape by hand (six cron fields, seconds first).
    [scheduled] = [block for block in blocks if block.get("kind") == "ScheduledBackup"]
    assert scheduled["apiVersion"] == "postgresql.cnpg.io/v1"
    assert scheduled["metadata"]["namespace"] == NAMESPACE
    assert len(scheduled["spec"]["schedule"].split()) == 6
    assert scheduled["spec"]["cluster"]["name"] == cluster["metadata"]["name"]


def test_k8s_every_courses_process_that_may_mail_names_the_mail_server():
    """Courses mails after an enrolment's commit (any process running its use cases) and
    again from send-enrolment-mails: each such container names a real mail server, not the
    code's default of this host, and takes the login from an optional secret, as sso does."""
    checked = 0
    for document in service_workloads("courses"):
        for container in containers(document):
            env = container_env(container)
            if "BROKER_URL" not in env:
                continue  # without the broker no use case runs there
            where = f"{document['kind']}/{document['metadata']['name']}/{container['name']}"
            host = env.get("SMTP_HOST", ("value", ""))[1]
            assert host and host not in ("127.0.0.1", "localhost"), f"{where}: SMTP_HOST {host!r}"
            refs = secret_key_refs(container)
            for key in ("SMTP_USERNAME", "SMTP_PASSWORD"):
                assert refs.get(key, {}).get("name") == "courses-smtp", f"{where}: {key}"
                assert refs[key].get("optional") is True, f"{where}: {key} must be optional"
            checked += 1
    assert checked >= 5, "the courses processes and its mailing job"
@pytest.mark.parametrize("job", ["transfer-check-deadlines", "transfer-open-audits",
                                 "transfer-send-finding-mails"])
def test_k8s_transfer_jobs_that_mail_the_sources_take_the_mail_login(job):
    """The findings' mails (R-TRF-6): the mail server is named, its login comes from the
    optional secret transfer-smtp, as sso's and courses' do."""
    [container] = containers(find("CronJob", job))
    host = container_env(container).get("SMTP_HOST", ("value", ""))[1]
    assert host and host not in ("127.0.0.1", "localhost"), f"{job}: SMTP_HOST {host!r}"
    refs = secret_key_refs(container)
    for key in ("SMTP_USERNAME", "SMTP_PASSWORD"):
        assert refs.get(key, {}).get("name") == "transfer-smtp", f"{job}: {key}"
        assert refs[key].get("optional") is True, f"{job}: {key} must be optional"
