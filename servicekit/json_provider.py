"""Flask's JSON through orjson: the same text as Flask's stdlib provider, several times
faster (a push of 1,000 rows spent a tenth of its time encoding and decoding JSON).

Whatever orjson cannot write or read the way the stdlib does is handed to the stdlib for
that call, so an answer never changes with the library:

- writing: integers beyond 64 bits, keys that are not text, text with lone surrogates,
  circular or very deep documents, objects no conversion knows (orjson refuses all of
  them, and the stdlib then writes or refuses them as before); a float below 1e-4, which
  orjson spells ``0.00001`` or ``1e-7`` where Python spells ``1e-05`` and ``1e-07``;
  keyword arguments other than ``separators``, ``indent=2``, ``sort_keys``, ``default``
  and ``ensure_ascii=False``;
- reading: ``NaN``, ``Infinity``, lone surrogates, a byte-order mark, UTF-16 or UTF-32,
  nesting past orjson's 1,024 levels (orjson refuses them, the stdlib reads or refuses
  them with its own error, a ``ValueError`` or ``RecursionError`` as before); a run of
  19 digits or more, since orjson reads an integer beyond 64 bits as a float without a
  word.

One difference is kept: a float NaN or infinity is written ``null`` (valid JSON), where
the stdlib wrote ``NaN`` and ``Infinity``, which no strict parser reads; finding them
first would cost a walk of every document."""
from __future__ import annotations

import json
import re
from typing import Any, cast

import orjson
from flask import Response
from flask.json.provider import DefaultJSONProvider, JSONProvider

# Dates as Flask writes them (RFC 822), dataclasses through dataclasses.asdict, through
# the same ``default`` as Flask's provider rather than orjson's own forms (ISO 8601).
_PASSTHROUGH = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_COMPACT = (",", ":")
_INDENTED = (",", ": ")  # what the stdlib puts between items with an indent
_ORJSON_ARGUMENTS = frozenset({"default", "ensure_ascii", "sort_keys", "separators", "indent"})
# A float below 1e-4 as orjson writes it, 0.0000… or an exponent of one digit (1e-7), as
# a value (a UUID's "…e-4a…" in a string is not one).
_ORJSON_ONLY_FLOAT = re.compile(rb"(?:^|[:,\[\s])-?(?:0\.0000|\d+(?:\.\d+)?e-\d(?!\d))")
# A number orjson might read as a float where the stdlib reads an integer: a run of 19
# digits (or text that merely looks like one: the stdlib then reads it, as it did). Found
# in bytes by turning every digit into 9 and all else into a space, then one plain
# search: a tenth of what a pattern costs on a body of 1,000 rows.
_LONG_DIGITS_TEXT = re.compile(r"\d{19}")
_DIGITS_AS_NINES = bytes(0x39 if 0x30 <= byte <= 0x39 else 0x20 for byte in range(256))
_NINETEEN_NINES = b"9" * 19


class OrjsonProvider(JSONProvider):
    """``app.json`` for every app of the platform. The attributes are those of Flask's
    ``DefaultJSONProvider``, with the same meanings and defaults."""

    default = staticmethod(DefaultJSONProvider.default)
    ensure_ascii = True
    sort_keys = True
    compact: bool | None = None
    mimetype = "application/json"

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        """Without ``separators`` or ``indent`` the text is compact (the stdlib's own
        default puts a space after ``,`` and ``:``); ask for ``separators=(", ", ": ")``
        to have those spaces, from the stdlib."""
        encoded = self._encode(obj, kwargs)
        return encoded if isinstance(encoded, str) else encoded.decode()

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        if kwargs or _has_long_digits(s):
            return json.loads(s, **kwargs)
        try:
            return orjson.loads(s)
        except orjson.JSONDecodeError:
            # The stdlib reads what it always read, or raises what it always raised
            # (Flask answers a ValueError as a 400).
            return json.loads(s)

    def response(self, *args: Any, **kwargs: Any) -> Response:
        """Flask's ``response``: compact unless ``compact`` is False or, when it is None,
        the app is in debug mode (then indented by 2), a newline at the end."""
        obj = self._prepare_response_obj(args, kwargs)
        if (self.compact is None and self._app.debug) or self.compact is False:
            encoded = self._encode(obj, {"indent": 2})
        else:
            encoded = self._encode(obj, {"separators": _COMPACT})
        if isinstance(encoded, str):
            encoded = encoded.encode()
        # A Flask app's response class (the annotation is the sans-I/O base's).
        response_class = cast(type[Response], self._app.response_class)
        return response_class(encoded + b"\n", mimetype=self.mimetype)

    def _encode(self, obj: Any, kwargs: dict[str, Any]) -> bytes | str:
        """orjson's bytes, or the stdlib's text where orjson would not write the same."""
        stdlib_kwargs = {"default": self.default, "ensure_ascii": self.ensure_ascii,
                         "sort_keys": self.sort_keys, **kwargs}
        if stdlib_kwargs.get("indent") is None:
            stdlib_kwargs.setdefault("separators", _COMPACT)  # compact by either library
        option = self._orjson_option(stdlib_kwargs)
        if option is not None:
            try:
                encoded = orjson.dumps(obj, default=stdlib_kwargs["default"], option=option)
            except orjson.JSONEncodeError:
                pass
            else:
                if not _may_hold_a_small_float(encoded):
                    return encoded
        return json.dumps(obj, **stdlib_kwargs)

    @staticmethod
    def _orjson_option(kwargs: dict[str, Any]) -> int | None:
        """orjson's option for the stdlib's arguments, or None where orjson has none."""
        if not kwargs.keys() <= _ORJSON_ARGUMENTS or kwargs["ensure_ascii"] \
                or kwargs["default"] is None:
            return None
        option = _PASSTHROUGH | (orjson.OPT_SORT_KEYS if kwargs["sort_keys"] else 0)
        indent, separators = kwargs.get("indent"), kwargs.get("separators")
        if indent is None:
            return option if separators == _COMPACT else None
        if indent == 2 and separators in (None, _INDENTED):
            return option | orjson.OPT_INDENT_2
        return None


def _has_long_digits(s: str | bytes) -> bool:
    if isinstance(s, str):  # rare: Flask hands a request's body over as bytes
        return _LONG_DIGITS_TEXT.search(s) is not None
    return _NINETEEN_NINES in s.translate(_DIGITS_AS_NINES)


def _may_hold_a_small_float(encoded: bytes) -> bool:
    # Two plain searches first: most answers have neither, and a pattern is slower.
    return ((b"e-" in encoded or b"0.0000" in encoded)
            and _ORJSON_ONLY_FLOAT.search(encoded) is not None)
