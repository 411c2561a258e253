"""The bulk outbox writes the same envelopes as the kit's outbox, only faster."""
from __future__ import annotations

import json
import uuid

from accounts_helpers import outbox_events

from contracts.events import CATALOGUE
from contracts.events.accounts import ACCOUNT_CREATED as TYPE
from servicekit import context
from servicekit.bus import bulk_outbox
from servicekit.bus.bulk_outbox import SpotCheckedBulkOutbox, uuid4_strings
from servicekit.events import Envelope


def data(number: int) -> dict:
    return {"account_id": str(uuid.uuid4()), "login": f"teacher{number:05d}", "kind": "teacher",
            "status": "enabled", "display_name": f'王"小明"\\{number}', "email": None,
            "unit_code": "353301", "authority_code": None, "county_code": "TPE", "version": 1}


def test_fast_envelopes_equal_the_kits_and_travel(accounts, monkeypatch) -> None:
    monkeypatch.setattr(bulk_outbox, "CHECKED_PER_TYPE", 2)
    with context.correlation("import-0001"):
        events = SpotCheckedBulkOutbox(accounts.outbox)
        events.add_many(TYPE, [data(n) for n in range(5)])
        with accounts.database.session() as session:
            assert events.write(session) == 5
    recorded = outbox_events(accounts)
    validated, fast = recorded[1], recorded[4]
    kit = json.loads(Envelope(type=TYPE, source="accounts", data=fast["data"],
                              correlation_id="import-0001", id=fast["id"],
                              time=Envelope.from_json(json.dumps(validated)).time).to_json())
    assert fast == kit
    assert set(validated) == set(fast)
    assert fast["data"]["display_name"] == '王"小明"\\4'
    for event in recorded:
        envelope = Envelope.from_json(json.dumps(event))
        CATALOGUE.load_data(envelope)
        assert envelope.correlation_id == "import-0001"


def test_generated_ids_are_version_4_uuids() -> None:
    ids = uuid4_strings(1000)
    assert len(set(ids)) == 1000
    assert all(uuid.UUID(value).version == 4 and uuid.UUID(value).variant == uuid.RFC_4122
               for value in ids)


def test_events_made_from_arguments_equal_those_added_as_data(accounts, monkeypatch) -> None:
    from services.accounts.handlers.events import new_teacher_data, new_teacher_json
    monkeypatch.setattr(bulk_outbox, "CHECKED_PER_TYPE", 2)
    arguments = [(str(uuid.uuid4()), f"teacher{n:05d}", f'王"小明"\\{n}\t\u2028', email,
                  "353301", county) for n, (email, county) in enumerate(
                      [("a@b.example", "TPE"), (None, "TPE"), ("x@y.example", None),
                       (None, None), ("é@ü.example", "TXG")])]
    for args in arguments:
        assert new_teacher_json(*args) == json.dumps(new_teacher_data(*args), ensure_ascii=False,
                                                     separators=(",", ":"))
    with context.correlation("import-0002"):
        made, added = SpotCheckedBulkOutbox(accounts.outbox), SpotCheckedBulkOutbox(accounts.outbox)
        made.add_many_made(TYPE, arguments, new_teacher_data, new_teacher_json)
        added.add_many(TYPE, [new_teacher_data(*args) for args in arguments])
        with accounts.database.session() as session:
            assert made.write(session) == added.write(session) == 5
    recorded = outbox_events(accounts)
    assert [e["data"] for e in recorded[-10:-5]] == [e["data"] for e in recorded[-5:]] == [
        {"account_id": a, "login": login, "kind": "teacher", "status": "enabled",
         "display_name": name, "email": email, "unit_code": "353301", "authority_code": None,
         "county_code": county, "version": 1}
        for a, login, name, email, _, county in arguments]
