"""Why the transfer service refused a source's step or move, in the person's language and
beside the field concerned.

The service answers each cause with its own problem type and names the field it concerns
in ``errors`` (services/transfer/README.md, "Refusals"); the states and steps a cause
needs to be said are members of the problem. So the page says the type's text, where the
service named the field — it never repeats the service's rules nor reads its English."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from web.api import Answer
from web.messages import problem_text

# The causes the service answers a step or a move with (its domain/sources.py).
CAUSES = frozenset({"unknown-step", "step-already-recorded", "reference-required",
                    "step-out-of-order", "source-archived", "move-not-allowed",
                    "steps-missing"})
GENERAL = ""  # a cause that belongs to no field: said at the top instead of the type's text
# What the source page says beside the field, where it can say more than the catalogue's
# general text of the type (web/messages.py, PROBLEMS).
BESIDE_THE_FIELD = {
    "reference-required": _l("The ministry's approval is recorded with its reference."),
    "step-out-of-order": _l("A test run is recorded while the source is in test."),
}


def _body(answer: Answer) -> dict[str, Any]:
    return answer.body if isinstance(answer.body, dict) else {}


def _cause(answer: Answer, states: Mapping[str, Any], steps: Mapping[str, Any]) -> str:
    body = _body(answer)
    now, then = body.get("state", ""), body.get("to", "")
    if answer.problem_type == "move-not-allowed" and now and then:
        return _("A source that is %(now)s cannot become %(then)s.",
                 now=states.get(now, now), then=states.get(then, then))
    missing = body.get("missing")
    if answer.problem_type == "steps-missing" and then and isinstance(missing, list):
        return _("Before it becomes %(then)s, record: %(steps)s.",
                 then=states.get(then, then),
                 steps=_(", ").join(str(steps.get(name, name)) for name in missing))
    beside = BESIDE_THE_FIELD.get(answer.problem_type or "")
    return str(beside) if beside is not None else problem_text(answer)


def refusal_notes(answer: Answer, states: Mapping[str, Any],
                  steps: Mapping[str, Any]) -> dict[str, str]:
    """The cause's text beside each field the problem names in ``errors``; a cause of the
    source itself (archived) under ``GENERAL``, said at the top."""
    text = _cause(answer, states, steps)
    fields = [str(name) for name in (_body(answer).get("errors") or {})]
    if not fields:
        return {GENERAL: text}
    return dict.fromkeys(fields, text)
