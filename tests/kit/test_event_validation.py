"""Consumers validate envelopes and data through a shortcut (servicekit/quickload.py):
every verdict and every reason must be the one marshmallow's ``schema.load`` gives, as it
was before the shortcut. Each hand-written message below — good ones, and bad ones of
every kind a field can be bad in — goes through both paths and must come out alike
(accepted with the same values, or refused with the same words)."""
from __future__ import annotations

import functools
import json
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from marshmallow import Schema, ValidationError, fields, post_load, validate

from contracts.events import CATALOGUE
from servicekit.events import Envelope, EnvelopeSchema, InvalidEvent
from servicekit.quickload import QuickLoader

ID = "6f1c1c1e-8a53-4d8e-9f0a-3b2c9d7e5a41"
UNIT = {"unit_code": "B0000001", "name": "建國中學", "unit_type": "senior_high_school",
        "authority_code": "TPE", "version": 1}
GOOD = {"id": ID, "type": "accounts.unit.registered.v1", "source": "accounts",
        "time": "2026-12-03T09:00:00.123456+00:00", "correlation_id": "req-1", "data": UNIT}


def envelope(**changes: Any) -> dict[str, Any]:
    return {key: value for key, value in {**GOOD, **changes}.items() if value is not DROP}


DROP = object()

ENVELOPES = [
    # accepted
    GOOD,
    envelope(id=ID.upper()), envelope(id=ID.replace("-", "")), envelope(id="{" + ID + "}"),
    envelope(id=f"urn:uuid:{ID}"),
    envelope(time="2026-12-03T09:00:00"),  # naive: taken as UTC
    envelope(time="2026-12-03T17:00:00+08:00"), envelope(time="2026-12-03T09:00:00Z"),
    envelope(time="2026-12-03"),
    envelope(type="accounts.unit.registered.v1\n"),  # the rule's ``$`` allows it: so must we
    envelope(source="x" * 64), envelope(correlation_id="c" * 128), envelope(data={}),
    envelope(type="sso.account.signed_in.v12"),
    # refused
    envelope(id=DROP), envelope(type=DROP), envelope(source=DROP), envelope(time=DROP),
    envelope(correlation_id=DROP), envelope(data=DROP),
    envelope(extra="field"), {**GOOD, "id": None}, envelope(id="not-a-uuid"), envelope(id=7),
    envelope(id=ID[:-1]), envelope(type="Accounts.unit.registered.v1"),
    envelope(type="accounts.unit.registered"), envelope(type="accounts.unit.registered.v0"),
    envelope(type=""), envelope(type=5), envelope(type=None), envelope(type=["a.b.c.v1"]),
    envelope(source=""), envelope(source="x" * 65), envelope(source=None), envelope(source=7),
    envelope(correlation_id=""), envelope(correlation_id="c" * 129),
    envelope(correlation_id=12), envelope(time="yesterday"), envelope(time=12345),
    envelope(time=None), envelope(time="2026-02-30T00:00:00+00:00"), envelope(data=[]),
    envelope(data="x"), envelope(data=None), envelope(id=None, source=""),
    [], "an envelope", None, 3, {}, {"not": "an envelope"},
]

UNITS = [
    # accepted
    UNIT, {**UNIT, "county_code": None}, {**UNIT, "county_code": "TPE"},
    {**UNIT, "version": "3"}, {**UNIT, "version": 2.0},  # marshmallow's Integer takes these
    {**UNIT, "name": "x" * 200}, {**UNIT, "unit_code": "A" * 32},
    # refused
    {**UNIT, "unit_code": "bad code!"}, {**UNIT, "unit_code": "A" * 33}, {**UNIT, "name": ""},
    {**UNIT, "name": "x" * 201}, {**UNIT, "name": 5}, {**UNIT, "name": None},
    {**UNIT, "unit_type": "castle"}, {**UNIT, "authority_code": "XXX"},
    {**UNIT, "county_code": "XXX"}, {**UNIT, "version": 0}, {**UNIT, "version": -1},
    {**UNIT, "version": True}, {**UNIT, "version": None}, {**UNIT, "version": "one"},
    {**UNIT, "version": [1]}, {**UNIT, "extra": 1},
    {key: value for key, value in UNIT.items() if key != "name"}, {}, [], "unit", None,
    {**UNIT, "name": "", "version": 0, "extra": 1},
]

ACCOUNT = {"account_id": ID, "login": "teacher00001", "kind": "teacher", "status": "enabled",
           "display_name": "王小明", "email": "wang@example.org", "unit_code": "B0000001",
           "version": 1}
ACCOUNTS = [
    ACCOUNT, {**ACCOUNT, "email": None}, {**ACCOUNT, "authority_code": "TPE"},
    {**ACCOUNT, "email": "not-an-address"}, {**ACCOUNT, "account_id": "nope"},
    {**ACCOUNT, "login": "ab"}, {**ACCOUNT, "kind": "robot"}, {**ACCOUNT, "email": 5},
]

TRANSFER = {"unit_code": "U1", "from_authority_code": "TPE", "to_authority_code": "NWT",
            "effective_from": "2026-08-01", "transfer_reference": "府教字第1號", "version": 2}
TRANSFERS = [
    TRANSFER, {**TRANSFER, "effective_from": "2026-02-30"},
    {**TRANSFER, "effective_from": "2026-08-01T00:00:00"}, {**TRANSFER, "effective_from": 20260801},
    {**TRANSFER, "transfer_reference": ""},
]

SIGN_IN = {"account_id": ID, "at": "2026-12-03T09:00:00+00:00", "method": "password"}
SIGN_INS = [  # ``at`` has no default time zone: a naive time is refused
    SIGN_IN, {**SIGN_IN, "at": "2026-12-03T17:00:00+08:00"}, {**SIGN_IN, "at": "2026-12-03"},
    {**SIGN_IN, "account_id": ID.upper()}, {**SIGN_IN, "county_code": "TPE"},
    {**SIGN_IN, "at": "2026-12-03T09:00:00"}, {**SIGN_IN, "at": "noon"},
    {**SIGN_IN, "at": None}, {**SIGN_IN, "account_id": ID + "0"},
]

RECORD = {"source": "tpe-edu", "record_key": f"K1/{ID}", "account_id": ID, "hours": 2.5,
          "starts_on": "2026-03-01", "ends_on": "2026-03-02", "title": "研習",
          "organiser": "313301", "tags": ["閱讀", "數學"], "version": 1}
RECORDS = [  # floats and lists of strings take the shortcut; the rest is marshmallow's
    # accepted
    RECORD, {**RECORD, "hours": 0.0}, {**RECORD, "hours": 3}, {**RECORD, "hours": "2.5"},
    {**RECORD, "tags": []}, {k: v for k, v in RECORD.items() if k != "tags"},
    {**RECORD, "tags": ("a",)}, {**RECORD, "tags": ["x" * 64]},
    # refused
    {**RECORD, "hours": float("nan")}, {**RECORD, "hours": float("inf")},
    {**RECORD, "hours": float("-inf")}, {**RECORD, "hours": -0.5}, {**RECORD, "hours": 1e6},
    {**RECORD, "hours": True}, {**RECORD, "hours": None}, {**RECORD, "hours": "many"},
    {**RECORD, "tags": ["ok", ""]}, {**RECORD, "tags": ["x" * 65]}, {**RECORD, "tags": [1]},
    {**RECORD, "tags": [None]}, {**RECORD, "tags": "閱讀"}, {**RECORD, "tags": None},
    {**RECORD, "tags": [["a"]]},
]

DATA = ([("accounts.unit.registered.v1", data) for data in UNITS]
        + [("transfer.record.added.v1", data) for data in RECORDS]
        + [("sso.account.signed_in.v1", data) for data in SIGN_INS]
        + [("accounts.account.created.v1", data) for data in ACCOUNTS]
        + [("accounts.unit.jurisdiction_changed.v1", data) for data in TRANSFERS])


def verdict(load, value):
    """What a load made of ``value``, in a form where a str and a UUID, or two clocks
    showing the same instant, differ."""
    try:
        return ("accepted", repr(load(value)))
    except (ValidationError, InvalidEvent) as refusal:
        return ("refused", type(refusal).__name__, str(refusal))


def marshmallow_envelope(body: bytes) -> Envelope:
    """Envelope.from_json as it was: the envelope loaded by marshmallow itself."""
    try:
        loaded = EnvelopeSchema().load(json.loads(body))
    except (ValueError, ValidationError) as error:
        raise InvalidEvent(f"not a valid envelope: {error}") from None
    return Envelope(id=str(loaded["id"]), type=loaded["type"], source=loaded["source"],
                    time=loaded["time"], correlation_id=loaded["correlation_id"],
                    data=loaded["data"])


def marshmallow_data(event_type: str, data: Any) -> dict[str, Any]:
    """Catalogue.load_data as it was."""
    try:
        return CATALOGUE.schema(event_type).load(data)
    except ValidationError as error:
        raise InvalidEvent(f"{event_type}: {error.normalized_messages()}") from None


@pytest.mark.parametrize("raw", ENVELOPES, ids=range(len(ENVELOPES)))
def test_an_envelope_gets_the_verdict_and_reason_marshmallow_gives(raw) -> None:
    body = json.dumps(raw, ensure_ascii=False).encode()
    assert verdict(Envelope.from_json, body) == verdict(marshmallow_envelope, body)


@pytest.mark.parametrize("event_type,data", DATA, ids=range(len(DATA)))
def test_event_data_gets_the_verdict_and_reason_marshmallow_gives(event_type, data) -> None:
    as_sent = Envelope(type=event_type, source="accounts", correlation_id="c", data=data)
    assert (verdict(CATALOGUE.load_data, as_sent)
            == verdict(lambda e: marshmallow_data(e.type, e.data), as_sent))


def test_the_cases_cover_both_verdicts() -> None:
    """A case list that only ever accepts (or refuses) would prove nothing."""
    envelopes = [verdict(Envelope.from_json, json.dumps(raw).encode())[0] for raw in ENVELOPES]
    data = [verdict(functools.partial(marshmallow_data, t), d)[0] for t, d in DATA]
    assert envelopes.count("accepted") == 14 and envelopes.count("refused") == 39
    assert data.count("accepted") == 23 and data.count("refused") == 51


def test_a_good_envelope_loads_to_these_values() -> None:
    loaded = Envelope.from_json(json.dumps(envelope(
        id=ID.upper(), time="2026-12-03T17:00:00+08:00")).encode())
    assert loaded.id == ID and loaded.type == "accounts.unit.registered.v1"
    assert loaded.time == datetime(2026, 12, 3, 17, tzinfo=timezone(timedelta(hours=8)))
    assert loaded.data == UNIT and loaded.correlation_id == "req-1"
    naive = Envelope.from_json(json.dumps(envelope(time="2026-12-03T09:00:00")).encode())
    assert naive.time == datetime(2026, 12, 3, 9, tzinfo=UTC)
    transfer = CATALOGUE.load_data(Envelope(type="accounts.unit.jurisdiction_changed.v1",
                                            source="accounts", correlation_id="c",
                                            data=TRANSFER))
    assert transfer["effective_from"] == date(2026, 8, 1)
    account = CATALOGUE.load_data(Envelope(type="accounts.account.created.v1",
                                           source="accounts", correlation_id="c", data=ACCOUNT))
    assert account["account_id"] == uuid.UUID(ID)
    assert account["county_code"] is None and "authority_code" in account  # load_default


def test_reasons_are_worded_as_before() -> None:
    with pytest.raises(InvalidEvent) as not_an_envelope:
        Envelope.from_json(b'{"not": "an envelope"}')
    missing = ["Missing data for required field."]
    assert str(not_an_envelope.value) == "not a valid envelope: " + str({
        "id": missing, "type": missing, "source": missing, "time": missing,
        "correlation_id": missing, "data": missing, "not": ["Unknown field."]})
    with pytest.raises(InvalidEvent) as bad_id:
        Envelope.from_json(json.dumps(envelope(id="not-a-uuid")).encode())
    assert str(bad_id.value) == "not a valid envelope: {'id': ['Not a valid UUID.']}"
    with pytest.raises(InvalidEvent) as bad_data:
        CATALOGUE.load_data(Envelope(type="accounts.unit.registered.v1", source="accounts",
                                     correlation_id="c", data={**UNIT, "version": 0}))
    assert str(bad_data.value) == ("accounts.unit.registered.v1: "
                                   "{'version': ['Must be greater than or equal to 1.']}")
    with pytest.raises(InvalidEvent) as unknown:
        CATALOGUE.load_data(Envelope(type="accounts.unit.closed.v1", source="accounts",
                                     correlation_id="c", data={}))
    assert str(unknown.value) == "unknown event type 'accounts.unit.closed.v1'"


def test_a_schema_with_hooks_is_left_to_marshmallow() -> None:
    class Upper(Schema):
        name = fields.String(required=True, validate=validate.Length(max=3))

        @post_load
        def shout(self, data, **_kwargs):
            return {"name": data["name"].upper()}

    assert QuickLoader(Upper()).load({"name": "abc"}) == {"name": "ABC"}
    with pytest.raises(ValidationError) as refused:
        QuickLoader(Upper()).load({"name": "abcd"})
    assert refused.value.messages == {"name": ["Longer than maximum length 3."]}


def test_loaded_data_is_a_copy_as_marshmallow_makes() -> None:
    raw = json.loads(json.dumps(GOOD))
    assert QuickLoader(EnvelopeSchema()).load(raw)["data"] is not raw["data"]
    assert EnvelopeSchema().load(raw)["data"] is not raw["data"]
