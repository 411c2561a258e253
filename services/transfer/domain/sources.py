"""Sources: the outside systems that report training records (R-TRF-1, R-TRF-7).

A source belongs to an owner unit and reports in one mode (a daily push server to server,
or a monthly file). It goes evaluating → test → production → archived, one way, each
step only once its onboarding steps are recorded (who and when):

* to test: the format check passed;
* to production: the ministry's approval (with its reference) and a test run that
  succeeded; opening production is itself recorded as a step;
* archived from any state: its records are sealed read-only; reopening is a new
  application (a new source).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

DAILY_PUSH, MONTHLY_FILE = "daily_push", "monthly_file"
MODES = (DAILY_PUSH, MONTHLY_FILE)

EVALUATING, TEST, PRODUCTION, ARCHIVED = "evaluating", "test", "production", "archived"
STATES = (EVALUATING, TEST, PRODUCTION, ARCHIVED)
TRANSITIONS = {EVALUATING: {TEST, ARCHIVED}, TEST: {PRODUCTION, ARCHIVED},
               PRODUCTION: {ARCHIVED}, ARCHIVED: set()}

FORMAT_CHECK_PASSED = "format_check_passed"
MINISTRY_APPROVAL = "ministry_approval"
TEST_RUN_SUCCEEDED = "test_run_succeeded"
PRODUCTION_OPENED = "production_opened"
RECORDED_STEPS = (FORMAT_CHECK_PASSED, MINISTRY_APPROVAL, TEST_RUN_SUCCEEDED)
STEPS = (*RECORDED_STEPS, PRODUCTION_OPENED)
NEEDED_FOR = {TEST: (FORMAT_CHECK_PASSED,),
              PRODUCTION: (FORMAT_CHECK_PASSED, MINISTRY_APPROVAL, TEST_RUN_SUCCEEDED)}

SOURCE_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,31}$")
UNIT_CODE = re.compile(r"^[0-9A-Za-z]{6}$")


class SourceError(ValueError):
    """What was asked breaks a rule of sources: its ``slug`` names the cause (the problem
    type clients branch on), ``detail`` says it in English, ``field`` names the input it
    concerns (none when the cause is the source itself) and ``facts`` what a client needs
    to say it (the states, the steps missing)."""

    def __init__(self, slug: str, title: str, detail: str, field: str | None = None,
                 **facts: Any) -> None:
        super().__init__(detail)
        self.slug = slug
        self.title = title
        self.detail = detail
        self.field = field
        self.facts = facts


class SourceStateError(SourceError):
    """The source's present state refuses the step or move (not what was typed)."""


def _archived(code: str) -> SourceStateError:
    return SourceStateError("source-archived", "The source is archived",
                            f"{code} is archived: sealed, nothing more is recorded")


@dataclass(frozen=True)
class Step:
    name: str
    by: str
    at: datetime
    reference: str | None = None


@dataclass(frozen=True)
class Source:
    code: str
    name: str
    owner_unit: str
    mode: str
    state: str = EVALUATING
    steps: tuple[Step, ...] = field(default=())
    version: int = 1
    # Whom its findings are mailed to: the maintainer at its owner unit.
    contact_email: str | None = None

    @property
    def accepts_records(self) -> bool:
        """Test and production sources send; evaluating ones not yet, archived ones no more."""
        return self.state in (TEST, PRODUCTION)

    @property
    def in_test(self) -> bool:
        """Its records are kept apart: never published, never counted."""
        return self.state == TEST

    @property
    def sealed(self) -> bool:
        return self.state == ARCHIVED

    def has(self, step: str) -> bool:
        return any(done.name == step for done in self.steps)

    def with_step(self, step: Step) -> Source:
        if step.name not in RECORDED_STEPS:
            raise SourceError("unknown-step", "No such onboarding step",
                              f"a step is one of {RECORDED_STEPS}", "step",
                              steps=list(RECORDED_STEPS))
        if self.sealed:
            raise _archived(self.code)
        if self.has(step.name):
            raise SourceStateError("step-already-recorded", "The step is recorded already",
                                   f"{step.name} is recorded already", "step",
                                   step=step.name)
        if step.name == MINISTRY_APPROVAL and not (step.reference or "").strip():
            raise SourceError("reference-required", "The approval needs its reference",
                              "the ministry's approval is recorded with its reference",
                              "reference")
        if step.name == TEST_RUN_SUCCEEDED and self.state != TEST:
            raise SourceStateError("step-out-of-order", "The step comes later",
                                   "a test run is recorded while the source is in test",
                                   "step", step=step.name, state=self.state,
                                   needs_state=TEST)
        return replace(self, steps=(*self.steps, step), version=self.version + 1)

    def moved_to(self, state: str, by: str, at: datetime) -> Source:
        if self.sealed:
            raise _archived(self.code)
        if state not in TRANSITIONS[self.state]:
            raise SourceStateError("move-not-allowed", "The source cannot move so",
                                   f"a source that is {self.state} cannot become {state}",
                                   "state", state=self.state, to=state,
                                   allowed=sorted(TRANSITIONS[self.state]))
        missing = [step for step in NEEDED_FOR.get(state, ()) if not self.has(step)]
        if missing:
            raise SourceStateError("steps-missing", "Steps the state needs are not recorded",
                                   f"to become {state} the source needs {missing}",
                                   "state", state=self.state, to=state, missing=missing)
        steps = self.steps
        if state == PRODUCTION:
            steps = (*steps, Step(PRODUCTION_OPENED, by, at))
        return replace(self, state=state, steps=steps, version=self.version + 1)


# What each field of a source must be, as said in `errors` (clients translate these words).
CODE_RULE = "2 to 32 lower-case letters, digits and dashes"
NAME_RULE = "a name of at most 200 characters"
UNIT_RULE = "a six-character unit code"
MODE_RULE = "one of daily_push, monthly_file"
EMAIL_RULE = "an e-mail address"


def _fields_invalid(errors: dict[str, str]) -> SourceError:
    """Each field that breaks its rule, at once (the house's ``validation-failed``)."""
    return SourceError("validation-failed", "The request is not valid",
                       "See `errors` for each field.",
                       errors={name: [rule] for name, rule in errors.items()})


def _contact(email: str | None) -> str | None:
    text = (email or "").strip()
    if not text:
        return None
    local, at, domain = text.rpartition("@")
    if not at or not local or "." not in domain or len(text) > 254 or any(
            c.isspace() for c in text):
        raise ValueError(EMAIL_RULE)
    return f"{local}@{domain.lower()}"


def contact(email: str | None) -> str | None:
    """A contact address as kept: trimmed, the domain in lower case; empty is none."""
    try:
        return _contact(email)
    except ValueError:
        raise _fields_invalid({"contact_email": EMAIL_RULE}) from None


def new_source(code: str, name: str, owner_unit: str, mode: str,
               contact_email: str | None = None) -> Source:
    errors = {}
    if not SOURCE_CODE.match(code):
        errors["code"] = CODE_RULE
    if not name.strip() or len(name) > 200:
        errors["name"] = NAME_RULE
    if not UNIT_CODE.match(owner_unit):
        errors["owner_unit"] = UNIT_RULE
    if mode not in MODES:
        errors["mode"] = MODE_RULE
    try:
        kept = _contact(contact_email)
    except ValueError:
        errors["contact_email"] = EMAIL_RULE
    if errors:
        raise _fields_invalid(errors)
    return Source(code, name.strip(), owner_unit, mode, contact_email=kept)
