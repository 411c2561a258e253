"""The one envelope every event travels in, and the catalogue of what may be inside.

Envelope: ``id`` (UUID), ``type`` (``<service>.<aggregate>.<happened>.v<N>``), ``source``
(the producing service), ``time`` (UTC), ``correlation_id``, ``data``. Producers validate
before the event enters the outbox; consumers validate before a handler sees it, so a
malformed message is refused at the door rather than half-applied.
"""
from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from servicekit.quickload import QuickLoader

EVENT_TYPE = re.compile(r"^[a-z]+\.[a-z][a-z_-]*\.[a-z][a-z_-]*\.v[1-9][0-9]*$")


class InvalidEvent(ValueError):
    """The message is not an event this platform understands: never retried."""


class ForgedEvent(InvalidEvent):
    """The message claims a producer that did not send it: never retried, never applied."""


class EnvelopeSchema(Schema):
    id = fields.UUID(required=True)
    type = fields.String(required=True, validate=validate.Regexp(EVENT_TYPE))
    source = fields.String(required=True, validate=validate.Length(min=1, max=64))
    time = fields.AwareDateTime(required=True, default_timezone=UTC)
    correlation_id = fields.String(required=True, validate=validate.Length(min=1, max=128))
    data = fields.Dict(required=True)


_ENVELOPE = EnvelopeSchema()
# Consumers load thousands of envelopes a second: the same verdicts, without marshmallow's
# per-load machinery (servicekit/quickload.py).
_ENVELOPE_LOADER = QuickLoader(_ENVELOPE)


@dataclass(frozen=True)
class Envelope:
    type: str
    source: str
    data: Mapping[str, Any]
    correlation_id: str
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: datetime = field(default_factory=lambda: datetime.now(UTC))

    def to_json(self) -> bytes:
        # What ``_ENVELOPE.dump`` gives, written out: a batch of thousands of events
        # spends a tenth of the cost (the fields are checked when the envelope is made
        # and when it is read).
        return json.dumps({"id": str(self.id), "type": self.type, "source": self.source,
                           "time": self.time.isoformat(),
                           "correlation_id": self.correlation_id, "data": self.data},
                          ensure_ascii=False, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, body: bytes | str) -> Envelope:
        try:
            raw = json.loads(body)
            loaded = _ENVELOPE_LOADER.load(raw)
        except (ValueError, ValidationError) as error:
            raise InvalidEvent(f"not a valid envelope: {error}") from None
        return cls(id=str(loaded["id"]), type=loaded["type"], source=loaded["source"],
                   time=loaded["time"], correlation_id=loaded["correlation_id"],
                   data=loaded["data"])


def producer_of(event_type: str) -> str:
    """The one service that may produce a type: its first segment."""
    return event_type.split(".", 1)[0]


def check_producer(envelope: Envelope) -> None:
    """``accounts.role.granted.v1`` comes from accounts and from no one else: an envelope
    whose ``source`` names another service is refused (the broker's own word on who
    published it is checked by ``servicekit.bus.access.Publishers``)."""
    producer = producer_of(envelope.type)
    if envelope.source != producer:
        raise ForgedEvent(f"forged: {envelope.type} is produced by {producer!r}, "
                          f"the envelope names {envelope.source!r}")


class UnknownEventType(ValueError):
    """A service subscribes to a type the catalogue does not have (a typo, a type not yet
    in ``contracts/events``): refused when the service starts, rather than a queue bound
    to a name no producer will ever publish."""


class Catalogue:
    """Event type → marshmallow schema of its ``data``, from ``contracts``, each type under
    the one producer that may publish it (``contracts/events/<producer>.py``)."""

    def __init__(self, schemas_by_producer: Mapping[str, Mapping[str, type[Schema]]]) -> None:
        schemas: dict[str, type[Schema]] = {}
        for producer, owned in schemas_by_producer.items():
            for event_type, schema in owned.items():
                if not EVENT_TYPE.match(event_type):
                    raise ValueError(f"event type {event_type!r} does not follow the naming rule")
                # The type's first word is what the envelope check and the broker's topic
                # permissions go by: the module it is declared in must say the same.
                if producer_of(event_type) != producer:
                    raise ValueError(f"event type {event_type!r} is declared among the events "
                                     f"of {producer!r}, but its first word names its producer: "
                                     f"it belongs in contracts/events/{producer_of(event_type)}.py")
                schemas[event_type] = schema
        self._produced = {producer: tuple(sorted(owned))
                          for producer, owned in schemas_by_producer.items()}
        self._schemas = {name: schema() for name, schema in schemas.items()}
        self._loaders = {name: QuickLoader(schema) for name, schema in self._schemas.items()}

    def __contains__(self, event_type: str) -> bool:
        return event_type in self._schemas

    def types(self) -> list[str]:
        return sorted(self._schemas)

    def producers(self) -> list[str]:
        return sorted(self._produced)

    def produced_by(self, service: str) -> tuple[str, ...]:
        """The types ``service`` may record: those of its own module, none if it has none."""
        return self._produced.get(service, ())

    def check_subscribable(self, service: str, event_type: str) -> None:
        if event_type not in self._schemas:
            raise UnknownEventType(
                f"service {service!r} subscribes to {event_type!r}, which is not in the event "
                f"catalogue (contracts/events): bind by the type's constant there")

    def check_recordable(self, service: str, event_type: str) -> None:
        """A service records only its own types: another's would be refused as forged by
        every consumer and by the broker, so it fails the write that made it instead."""
        self.schema(event_type)  # unknown: refused as before
        if event_type not in self.produced_by(service):
            raise InvalidEvent(f"{service} may not record {event_type}: it is produced by "
                               f"{producer_of(event_type)!r}")

    def schema(self, event_type: str) -> Schema:
        try:
            return self._schemas[event_type]
        except KeyError:
            raise InvalidEvent(f"unknown event type {event_type!r}") from None

    def validate_data(self, event_type: str, data: Mapping[str, Any]) -> dict[str, Any]:
        """Returns the data as it travels (dumped form); raises InvalidEvent."""
        self.schema(event_type)  # an unknown type is refused as before
        try:  # the quick loader: marshmallow's verdict, at a fifth of the cost
            self._loaders[event_type].load(data)
        except ValidationError as error:
            raise InvalidEvent(f"{event_type}: {error.messages}") from None
        return dict(data)

    def load_data(self, envelope: Envelope) -> dict[str, Any]:
        """The data in Python types (dates as dates…), for a handler."""
        self.schema(envelope.type)  # an unknown type is refused as before
        try:
            return self._loaders[envelope.type].load(envelope.data)
        except ValidationError as error:
            raise InvalidEvent(f"{envelope.type}: {error.normalized_messages()}") from None
