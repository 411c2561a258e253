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
    """A source or a step that the rules do not allow; the message says why."""


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
            raise SourceError(f"a step is one of {RECORDED_STEPS}")
        if self.sealed:
            raise SourceError("an archived source is sealed")
        if self.has(step.name):
            raise SourceError(f"{step.name} is recorded already")
        if step.name == MINISTRY_APPROVAL and not (step.reference or "").strip():
            raise SourceError("the ministry's approval needs its reference")
        if step.name == TEST_RUN_SUCCEEDED and self.state != TEST:
            raise SourceError("a test run is recorded for a source in test")
        return replace(self, steps=(*self.steps, step), version=self.version + 1)

    def moved_to(self, state: str, by: str, at: datetime) -> Source:
        if state not in TRANSITIONS[self.state]:
            raise SourceError(f"a source that is {self.state} cannot become {state}")
        missing = [step for step in NEEDED_FOR.get(state, ()) if not self.has(step)]
        if missing:
            raise SourceError(f"to become {state} the source needs {missing}")
        steps = self.steps
        if state == PRODUCTION:
            steps = (*steps, Step(PRODUCTION_OPENED, by, at))
        return replace(self, state=state, steps=steps, version=self.version + 1)


def contact(email: str | None) -> str | None:
    """A contact address as kept: trimmed, the domain in lower case; empty is none."""
    text = (email or "").strip()
    if not text:
        return None
    local, at, domain = text.rpartition("@")
    if not at or not local or "." not in domain or len(text) > 254 or any(
            c.isspace() for c in text):
        raise SourceError("contact_email: an e-mail address")
    return f"{local}@{domain.lower()}"


def new_source(code: str, name: str, owner_unit: str, mode: str,
               contact_email: str | None = None) -> Source:
    if not SOURCE_CODE.match(code):
        raise SourceError("code: 2–32 lower-case letters, digits and dashes")
    if not name.strip() or len(name) > 200:
        raise SourceError("a source needs a name of at most 200 characters")
    if not UNIT_CODE.match(owner_unit):
        raise SourceError("owner_unit: a six-character unit code")
    if mode not in MODES:
        raise SourceError(f"mode is one of {MODES}")
    return Source(code, name.strip(), owner_unit, mode, contact_email=contact(contact_email))
