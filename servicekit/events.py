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
        return json.dumps(_ENVELOPE.dump(self), ensure_ascii=False,
                          separators=(",", ":")).encode()

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


class Catalogue:
    """Event type → marshmallow schema of its ``data``, from ``contracts``."""

    def __init__(self, schemas: Mapping[str, type[Schema]]) -> None:
        for event_type in schemas:
            if not EVENT_TYPE.match(event_type):
                raise ValueError(f"event type {event_type!r} does not follow the naming rule")
        self._schemas = {name: schema() for name, schema in schemas.items()}
        self._loaders = {name: QuickLoader(schema) for name, schema in self._schemas.items()}

    def __contains__(self, event_type: str) -> bool:
        return event_type in self._schemas

    def types(self) -> list[str]:
        return sorted(self._schemas)

    def schema(self, event_type: str) -> Schema:
        try:
            return self._schemas[event_type]
        except KeyError:
            raise InvalidEvent(f"unknown event type {event_type!r}") from None

    def validate_data(self, event_type: str, data: Mapping[str, Any]) -> dict[str, Any]:
        """Returns the data as it travels (dumped form); raises InvalidEvent."""
        schema = self.schema(event_type)
        errors = schema.validate(data)
        if errors:
            raise InvalidEvent(f"{event_type}: {errors}")
        return dict(data)

    def load_data(self, envelope: Envelope) -> dict[str, Any]:
        """The data in Python types (dates as dates…), for a handler."""
        self.schema(envelope.type)  # an unknown type is refused as before
        try:
            return self._loaders[envelope.type].load(envelope.data)
        except ValidationError as error:
            raise InvalidEvent(f"{envelope.type}: {error.normalized_messages()}") from None
