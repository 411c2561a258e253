"""The names of the series the platform's processes export, read from the code rather than
written by hand: every service's web app and the gateway are made (which imports every
module that declares a metric, and adds each service's scrape-time collectors), then the
names come from prometheus-client's registry and from the collectors' descriptions. The
relay's and the consumer's metrics are declared in servicekit.metrics, in the same
registry. Used by the tests of the alert rules and of the Grafana dashboard."""
from __future__ import annotations

import importlib
import re
from functools import cache
from pathlib import Path

from prometheus_client import REGISTRY
from prometheus_client.metrics_core import Metric

from servicekit import metrics
from servicekit.settings import Settings

SERVICES = ("accounts", "courses", "sso", "transfer", "stats")
# What Prometheus and kube-state-metrics add, not the platform.
FROM_THE_CLUSTER = frozenset({"up", "kube_pod_container_status_restarts_total"})

# PromQL's own words: operators, modifiers and the words that may stand where a name does.
_KEYWORDS = frozenset({"and", "or", "unless", "by", "without", "on", "ignoring", "group_left",
                       "group_right", "offset", "bool", "inf", "nan", "atan2"})


def _series_names(family: Metric) -> set[str]:
    suffixes = {"counter": ("_total", "_created"), "gauge": ("",), "info": ("_info",),
                "histogram": ("_bucket", "_sum", "_count", "_created"),
                "gaugehistogram": ("_bucket", "_gsum", "_gcount"),
                "summary": ("", "_sum", "_count", "_created"), "stateset": ("",),
                "unknown": ("",)}[family.type]
    return {family.name + suffix for suffix in suffixes}


@cache
def exported(data_dir: Path) -> frozenset[str]:
    for service in SERVICES:
        app_module = importlib.import_module(f"services.{service}.app")
        app_module.create_app(Settings.from_env(service, {"DATA_DIR": str(data_dir)}))
    importlib.import_module("gateway.app").create_app(
        Settings.from_env("gateway", {"DATA_DIR": str(data_dir)}))
    families = [family for collector in list(REGISTRY._collector_to_names)
                if collector is not metrics.SCRAPED
                for family in getattr(collector, "describe", list)() or collector.collect()]
    families += metrics.SCRAPED.described()
    return frozenset(name for family in families for name in _series_names(family))


def metric_names(expression: str) -> set[str]:
    """The series a PromQL expression reads: what is left once strings, label matchers,
    ranges, grouping clauses and numbers are gone, other than functions (a name followed
    by a parenthesis) and PromQL's own words."""
    bare = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'', " ", expression)
    bare = re.sub(r"\{[^}]*\}|\[[^\]]*\]", " ", bare)
    bare = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", bare)
    names = set()
    for match in re.finditer(r"(?<![\w.$])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?", bare):
        word, call = match.group(1), match.group(2)
        if not call and word not in _KEYWORDS:
            names.add(word)
    return names
