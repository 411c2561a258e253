"""The apps' JSON goes through orjson and reads and writes what Flask's stdlib provider
did: the same text for the same document, the same values read, the same refusals."""
from __future__ import annotations

import dataclasses
import json
import uuid
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask, request
from markupsafe import Markup

from servicekit.json_provider import OrjsonProvider
from servicekit.problems import MEDIA_TYPE
from servicekit.settings import Settings
from servicekit.web import create_base_app


@dataclasses.dataclass
class Seat:
    course: str
    taken_on: date


class Html:
    def __html__(self) -> str:
        return "<b>研習</b>"


DOCUMENTS: list[Any] = [
    {"title": "國民中學數學領域研習", "hours": 3, "teacher": "林老師", "county": "臺北市"},
    {"z": [1, 2.5, {"b": None, "a": True}], "a": {"nested": {"deeper": ["三", [], {}]}}},
    [{"row": n, "hours": n / 2, "school": f"學校{n}"} for n in range(50)],
    {"hours": Decimal("3.5"), "exact": Decimal("0.10"), "big": Decimal("1E+3")},
    {"day": date(2026, 12, 6), "at": datetime(2026, 12, 6, 9, 30, tzinfo=UTC),
     "eight": datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=timezone(timedelta(hours=8)))},
    {"id": uuid.UUID("12345678-1234-5678-1234-567812345678"), "seat": Seat("C1", date(2026, 3, 1))},
    {"markup": Markup("<i>a</i>"), "html": Html()},
    {"big": 2**64, "negative": -(2**63) - 1, "edge": 2**64 - 1, "huge": 10**30},
    {"tiny": 1e-05, "tinier": 1.5e-07, "small": 9.99e-05, "large": 1e16, "zero": -0.0},
    {"controls": "tab\there\nnew\x00nul\x1f\x7f\u2028", "quote": '"\\', "emoji": "😀"},
    {2: "int keys", 10: "sorted as numbers"},
    "只是文字", 42, None, [], {},
]


@pytest.fixture
def apps() -> tuple[Flask, Flask]:
    """An app on Flask's stdlib provider and one on orjson, both as the platform sets them."""
    stdlib, fast = Flask("stdlib"), Flask("fast")
    fast.json = OrjsonProvider(fast)
    for app in (stdlib, fast):
        app.json.ensure_ascii = False  # type: ignore[attr-defined]
    return stdlib, fast


@pytest.mark.parametrize("document", DOCUMENTS)
def test_answers_are_the_text_flask_wrote(apps, document) -> None:  # type: ignore[no-untyped-def]
    stdlib, fast = apps
    for debug in (False, True):  # compact, then indented by two
        stdlib.debug = fast.debug = debug
        with stdlib.app_context():
            expected = stdlib.json.response(document)
        with fast.app_context():
            got = fast.json.response(document)
        assert got.get_data() == expected.get_data()
        assert got.mimetype == expected.mimetype == "application/json"


@pytest.mark.parametrize("document", DOCUMENTS)
def test_dumps_is_compact_and_reads_back_as_flask_wrote_it(apps, document) -> None:  # type: ignore[no-untyped-def]
    stdlib, fast = apps
    assert fast.json.dumps(document) == stdlib.json.dumps(document, separators=(",", ":"))
    assert fast.json.dumps(document, separators=(", ", ": ")) == stdlib.json.dumps(document)
    assert fast.json.loads(fast.json.dumps(document)) == json.loads(stdlib.json.dumps(document))


def test_arguments_are_the_stdlibs(apps) -> None:  # type: ignore[no-untyped-def]
    stdlib, fast = apps
    document = {"b": "乙", "a": [1, 2], "at": date(2026, 1, 1)}
    compact = {"separators": (",", ":")}
    for arguments in (compact, {"indent": 4}, {"indent": 2}, {"indent": 2, "sort_keys": False},
                      {**compact, "sort_keys": False}, {**compact, "ensure_ascii": True},
                      {**compact, "default": str}, {**compact, "allow_nan": False}):
        assert fast.json.dumps(document, **arguments) == stdlib.json.dumps(document, **arguments)


@pytest.mark.parametrize("text", [
    '{"title": "教師研習", "rows": [1, 2.5, -0.0, true, null]}', "18446744073709551616",
    "-9223372036854775809", '{"n": 123456789012345678901234567890}', "NaN", "[Infinity]",
    '"\\ud800"', '"\\ud83d\\ude00"', '{"a": 1, "a": 2}', "1e400", "0.1e-400"])
def test_bodies_read_as_the_stdlib_reads_them(apps, text) -> None:  # type: ignore[no-untyped-def]
    _, fast = apps
    for body in (text, text.encode(), "\ufeff".encode() + text.encode(), text.encode("utf-16")):
        got, expected = fast.json.loads(body), json.loads(body)
        assert repr(got) == repr(expected)  # 2**64 stays an int, nan stays nan
        assert type(got) is type(expected)


@pytest.mark.parametrize("body", [b"", b"{", b"[1]x", b'{"a":\x01}', b'"\xff"', b"{'a': 1}",
                                  b"not json", b"\x00"])
def test_what_is_not_json_is_refused_with_a_value_error(apps, body) -> None:  # type: ignore[no-untyped-def]
    _, fast = apps
    with pytest.raises(ValueError) as refused:
        fast.json.loads(body)
    with pytest.raises(ValueError) as expected:
        json.loads(body)
    assert type(refused.value) is type(expected.value)


def test_nesting_past_the_parser_is_a_recursion_error_as_before(apps) -> None:  # type: ignore[no-untyped-def]
    _, fast = apps
    with pytest.raises(RecursionError):
        fast.json.loads(b"[" * 100_000)


def test_objects_no_conversion_knows_are_refused_as_before(apps) -> None:  # type: ignore[no-untyped-def]
    _, fast = apps
    for document in ({"set": {1, 2}}, {"time": time(9, 30)}, {1: 1, "a": 2}):
        with pytest.raises(TypeError):
            fast.json.dumps(document)
    circular: list[Any] = []
    circular.append(circular)
    with pytest.raises(ValueError, match="Circular"):
        fast.json.dumps(circular)


def test_every_app_of_the_kit_uses_it_and_a_body_that_is_not_json_is_a_problem(tmp_path) -> None:
    app = create_base_app(Settings.from_env("accounts", {"DATA_DIR": str(tmp_path)}))
    assert isinstance(app.json, OrjsonProvider)

    @app.post("/echo")
    def echo() -> Any:
        return {"read": request.get_json()}

    client = app.test_client()
    answer = client.post("/echo", json={"名稱": "研習", "big": 2**70})
    assert answer.status_code == 200
    assert answer.get_data() == '{"read":{"big":1180591620717411303424,"名稱":"研習"}}\n'.encode()
    refused = client.post("/echo", data=b"{not json", content_type="application/json")
    assert refused.status_code == 400 and refused.mimetype == MEDIA_TYPE
    assert refused.json["type"] == "urn:inservice:problem:bad-request"
    assert refused.get_data().startswith(b'{"detail": ')  # problems keep their spacing
