"""``schema.load`` for messages that are plainly valid, without marshmallow's per-load
machinery (error store, hooks, a closure per field): about a fifth of the cost, and the
same result.

The shortcut only ever says yes. Where a field's own conversion of a value is plain — a
``str`` for a string, an ``int`` for an integer, a ``str`` for a UUID or an ISO date or
time, a ``dict`` for a dict, a missing optional value — it is done here, and the result
checked with the field's own validators; every other value goes through the field's own
``deserialize``, exactly as ``Schema.load`` calls it. At the first
doubt — a validator refuses, a required field is missing, a key is unknown, the input is
not a dict — the message is handed to ``schema.load`` itself, which gives the verdict and
words the reason. So a refusal is always marshmallow's own, word for word, and an
acceptance is one marshmallow would have made. Schemas with hooks, renamed keys or other
options this does not follow are always loaded by marshmallow.
"""
from __future__ import annotations

import functools
import math
import uuid
from collections.abc import Callable, Mapping
from datetime import date, datetime, tzinfo
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, missing

# The marshmallow code the shortcut stands for; a field class that overrides any of it
# is loaded by marshmallow.
_STRING_LOAD = fields.String._deserialize
_NUMBER_LOAD = fields.Number._deserialize
_INTEGER_CHECK = fields.Integer._validated
_UUID_LOAD = fields.UUID._deserialize
_UUID_CHECK = fields.UUID._validated
_MAPPING_LOAD = fields.Mapping._deserialize
_TEMPORAL_LOAD = fields.Date._deserialize  # Date's and DateTime's: the format's parser
_AWARE_LOAD = fields.AwareDateTime._deserialize
_FLOAT_CHECK = fields.Float._validated
_LIST_LOAD = fields.List._deserialize


class _Doubt(Exception):
    pass


FieldLoader = Callable[[Any, Mapping[str, Any]], Any]


class QuickLoader:
    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self._fields: list[tuple[str, FieldLoader]] | None = None
        if _follows(schema):
            self._fields = [(name, _field_loader(name, field))
                            for name, field in schema.load_fields.items()]
            self._names = frozenset(schema.load_fields)

    def load(self, data: Any) -> dict[str, Any]:
        """What ``schema.load(data)`` returns; raises its ValidationError."""
        if self._fields is not None and type(data) is dict and self._names.issuperset(data):
            try:
                loaded = {}
                for name, load_field in self._fields:
                    value = load_field(data.get(name, missing), data)
                    if value is not missing:
                        loaded[name] = value
                return loaded
            except _Doubt:
                pass
        return self.schema.load(data)


def _follows(schema: Schema) -> bool:
    """Whether ``Schema.load`` is, for this schema, each field's ``deserialize`` and a
    refusal of unknown keys, nothing more."""
    return (not any(schema._hooks.values()) and schema.unknown == RAISE
            and not schema.many and not schema.partial
            and all(field.data_key is None and field.attribute is None
                    for field in schema.load_fields.values()))


def _field_loader(name: str, field: fields.Field) -> FieldLoader:
    def through_marshmallow(value: Any, data: Mapping[str, Any]) -> Any:
        try:
            return field.deserialize(value, name, data)
        except ValidationError:
            raise _Doubt from None

    conversion = None if field.pre_load or field.post_load else _conversion(field)
    if conversion is None:
        return through_marshmallow
    plain, convert = conversion
    validators = tuple(field.validators)
    required, default = field.required, field.load_default

    def quick(value: Any, data: Mapping[str, Any]) -> Any:
        if type(value) is not plain:
            if value is missing and not required:
                return default() if callable(default) else default
            return through_marshmallow(value, data)
        try:
            loaded = convert(value)
            for validator in validators:
                if validator(loaded) is False:
                    raise _Doubt
        except (ValueError, ValidationError):  # the conversion refused, or a validator
            raise _Doubt from None
        return loaded

    return quick


def _same(value: Any) -> Any:
    return value


def _conversion(field: fields.Field) -> tuple[type, Callable[[Any], Any]] | None:
    """The input type for which the field's own ``_deserialize`` is plainly this
    conversion (raising ValueError where the field refuses), or None."""
    kind = type(field)
    if kind._deserialize is _STRING_LOAD:  # String, Email…: a str is taken as it is
        return str, _same
    # ``_validated`` exists on the classes that check: read it with a default.
    validated = getattr(kind, "_validated", None)
    if (isinstance(field, fields.Integer) and kind._deserialize is _NUMBER_LOAD
            and validated is _INTEGER_CHECK):
        return int, _same  # never bool: ``type(True) is int`` is false
    if (isinstance(field, fields.Float) and kind._deserialize is _NUMBER_LOAD
            and validated is _FLOAT_CHECK):
        return float, _same if field.allow_nan else _finite  # never an int: marshmallow's
    if (isinstance(field, fields.List) and kind._deserialize is _LIST_LOAD
            and type(field.inner)._deserialize is _STRING_LOAD
            and not (getattr(field.inner, "pre_load", None)
                     or getattr(field.inner, "post_load", None))):
        # A list of plain strings: each item a str, checked with the item's validators.
        return list, functools.partial(_strings, tuple(field.inner.validators))
    if kind._deserialize is _UUID_LOAD and validated is _UUID_CHECK:
        return str, uuid.UUID
    if (isinstance(field, fields.Mapping) and kind._deserialize is _MAPPING_LOAD
            and field.key_field is None
            and field.value_field is None):
        return dict, field.mapping_type
    parse = getattr(field, "DESERIALIZATION_FUNCS", {}).get(getattr(field, "format", None))
    # (``==``: each look-up of a classmethod makes a new bound method)
    if kind._deserialize is _TEMPORAL_LOAD and parse in (datetime.fromisoformat,
                                                         date.fromisoformat):
        return str, parse
    if (isinstance(field, fields.AwareDateTime) and kind._deserialize is _AWARE_LOAD
            and parse == datetime.fromisoformat):
        return str, functools.partial(_aware, default_timezone=field.default_timezone)
    return None


def _finite(value: float) -> float:
    if math.isnan(value) or math.isinf(value):
        raise ValueError("special")
    return value


def _strings(validators: tuple[Callable[[Any], Any], ...], value: list[Any]) -> list[str]:
    for item in value:
        if type(item) is not str:
            raise ValueError("not a str")
        for validator in validators:
            if validator(item) is False:
                raise ValueError("refused")
    return list(value)  # a new list, as marshmallow makes


def _aware(value: str, default_timezone: tzinfo | None) -> datetime:
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None or parsed.tzinfo.utcoffset(parsed) is None:
        if default_timezone is None:
            raise ValueError("naive")
        return parsed.replace(tzinfo=default_timezone)
    return parsed
