"""Why the transfer service refused a source's step, move or registration, in the person's
language and beside the field concerned.

The service answers these with one problem type each (``invalid-source``,
``source-state``) and says the cause only in its English ``detail``. The page has just read
the source (its state and recorded steps) and has what was typed, so it tells the cause
from those facts — the same rules as the service's (services/transfer/domain/sources.py:
one way through the states, the steps each state needs) — never from the detail's words.
When none of the causes fits (the source changed meanwhile), the problem type's own text is
all that is said."""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

# The steps a state needs recorded first (the service's NEEDED_FOR).
NEEDED_FOR = {"test": ("format_check_passed",),
              "production": ("format_check_passed", "ministry_approval", "test_run_succeeded")}
SOURCE_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,31}$")
UNIT_CODE = re.compile(r"^[0-9A-Za-z]{6}$")
NAME_MAX = 200
ARCHIVED = _l("This source is archived: nothing more is sent or changed.")
GENERAL = ""  # a cause that belongs to no field: said at the top instead of the type's text


def _recorded(source: Mapping[str, Any]) -> set[str]:
    return {step.get("name", "") for step in source.get("steps") or []}


def step_refusal(source: Mapping[str, Any], step: str, reference: str | None,
                 offered: tuple[str, ...]) -> dict[str, str]:
    """``invalid-source`` on ``POST …/steps``: the field's note, by the first rule broken."""
    if source.get("state") == "archived":  # the page offers no step form any more
        return {GENERAL: str(ARCHIVED)}
    if step not in offered:
        return {"step": _("Choose one of the steps offered.")}
    if step in _recorded(source):
        return {"step": _("This step is recorded already.")}
    if step == "ministry_approval" and not (reference or "").strip():
        return {"reference": _("The ministry's approval is recorded with its reference.")}
    if step == "test_run_succeeded" and source.get("state") != "test":
        return {"step": _("A test run is recorded while the source is in test.")}
    return {}


def move_refusal(source: Mapping[str, Any], state: str, moves: Mapping[str, tuple[str, ...]],
                 states: Mapping[str, Any], steps: Mapping[str, Any]) -> dict[str, str]:
    """``source-state`` on ``POST …/state``: a move the source cannot make, or the steps
    the new state needs that are not recorded yet."""
    now = source.get("state", "")
    if state not in moves.get(now, ()):
        return {"state": _("A source that is %(now)s cannot become %(then)s.",
                           now=states.get(now, now), then=states.get(state, state))}
    missing = [name for name in NEEDED_FOR.get(state, ()) if name not in _recorded(source)]
    if missing:
        return {"state": _("Before it becomes %(then)s, record: %(steps)s.",
                           then=states.get(state, state),
                           steps=_(", ").join(str(steps.get(name, name)) for name in missing))}
    return {}


def registration_refusal(typed: Mapping[str, str], modes: Mapping[str, Any]) -> dict[str, str]:
    """``invalid-source`` on ``POST /sources``: each field the service's rules refuse."""
    errors: dict[str, str] = {}
    if not SOURCE_CODE.match(typed.get("code", "")):
        errors["code"] = _("2 to 32 lower-case letters, digits and dashes, starting with a "
                           "letter or digit.")
    name = typed.get("name", "").strip()
    if not name or len(name) > NAME_MAX:
        errors["name"] = _("A name of at most %(count)s characters.", count=NAME_MAX)
    if not UNIT_CODE.match(typed.get("owner_unit", "")):
        errors["owner_unit"] = _("A unit's six-character code.")
    if typed.get("mode", "") not in modes:
        errors["mode"] = _("Choose one of the modes offered.")
    return errors
