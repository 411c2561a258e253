"""The operators' pages for the sso service (issue 14 point 6): partner sites through
their lifecycle (R-SSO-2: applied → testing → approved with the ministry's reference →
enabled; disabled at once with a reason) and maintenance notices (R-SSO-6: the public
feed, and e-mail to every enabled partner). A new client secret is shown once, in the
answer that makes it, and kept nowhere here."""
from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from web.auth import requires
from web.dates import from_local_input
from web.messages import field_errors, problem_text
from web.pages.calls import as_person, found

bp = Blueprint("operator_sso", __name__, url_prefix="/operator")
OPERATORS = ("operator", "admin")
CLIENT_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
NOTICE_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")
PARTNER_STATES = {"applied": _l("Applied"), "testing": _l("Testing"),
                  "approved": _l("Approved by the ministry"), "enabled": _l("Enabled"),
                  "disabled": _l("Closed")}
# A partner's next steps by its state, each a POST of the sso's API with what it needs.
STEPS = {"applied": ("testing",), "testing": ("approval",), "approved": ("enable",),
         "enabled": ("disable",), "disabled": ()}


@bp.get("/partners")
@requires(*OPERATORS)
def partners() -> ResponseReturnValue:
    clients = found(as_person("GET", "/api/sso/partners"))
    return render_template("operator/partners.html", clients=clients,
                           partner_states=PARTNER_STATES)


@bp.get("/partners/<client_id>")
@requires(*OPERATORS)
def partner(client_id: str) -> ResponseReturnValue:
    return _partner_page(_client_id(client_id))


@bp.post("/partners/<client_id>/<step>")
@requires(*OPERATORS)
def partner_step(client_id: str, step: str) -> ResponseReturnValue:
    client_id = _client_id(client_id)
    if step not in ("testing", "approval", "enable", "disable", "secret"):
        abort(404)
    body: dict[str, Any] | None = None
    if step == "approval":
        body = {"approval_reference": request.form.get("approval_reference", "").strip()}
        if request.form.get("approved_on"):
            body["approved_on"] = request.form["approved_on"]
    elif step == "disable":
        body = {"reason": request.form.get("reason", "").strip()}
    answer = as_person("POST", f"/api/sso/partners/{client_id}/{step}", json=body)
    if answer.status == 404:
        abort(404)
    if not answer.ok:
        flash(problem_text(answer), "problem")
        return _partner_page(client_id, errors=field_errors(answer), typed=request.form,
                             status=422)
    if step == "secret":
        # Shown once, on this answer; not redirected, so it is in no session and no URL.
        return _partner_page(client_id, secret=answer.body.get("client_secret"))
    flash(_("The partner site is now: %(status)s.", status=answer.body.get("status", "")),
          "success")
    return redirect(f"/operator/partners/{client_id}")


@bp.get("/notices")
@requires(*OPERATORS)
def notices() -> ResponseReturnValue:
    return _notices_page(typed={}, errors={})


@bp.post("/notices")
@requires(*OPERATORS)
def announce() -> ResponseReturnValue:
    body = {"title": request.form.get("title", "").strip(),
            "body": request.form.get("body", "").strip(),
            "starts_at": from_local_input(request.form.get("starts_at", "")),
            "ends_at": from_local_input(request.form.get("ends_at", ""))}
    answer = as_person("POST", "/api/sso/notices", json=body)
    if answer.status in (403, 404):
        abort(404)
    if not answer.ok:
        flash(problem_text(answer), "problem")
        return _notices_page(typed=request.form, errors=field_errors(answer), status=422)
    flash(_("The notice is published and mailed to the partner sites."), "success")
    return redirect(f"/operator/notices/{answer.body['notice_id']}")


@bp.get("/notices/<notice_id>")
@requires(*OPERATORS)
def notice(notice_id: str) -> ResponseReturnValue:
    if not NOTICE_ID.match(notice_id):
        abort(404)
    return render_template("operator/notice.html",
                           notice=found(as_person("GET", f"/api/sso/notices/{notice_id}")))


def _partner_page(client_id: str, errors: dict[str, str] | None = None, typed: Any = None,
                  secret: str | None = None, status: int = 200) -> ResponseReturnValue:
    client = found(as_person("GET", f"/api/sso/partners/{client_id}"))
    history = found(as_person("GET", f"/api/sso/partners/{client_id}/history"))
    return render_template("operator/partner.html", client=client, history=history,
                           steps=STEPS.get(client.get("status", ""), ()), secret=secret,
                           partner_states=PARTNER_STATES,
                           errors=errors or {}, typed=typed or {}), status


def _notices_page(typed: Any, errors: dict[str, str], status: int = 200) -> ResponseReturnValue:
    feed = found(as_person("GET", "/api/sso/notices"))
    return render_template("operator/notices.html", feed=feed, typed=typed,
                           errors=errors), status


def _client_id(client_id: str) -> str:
    if not CLIENT_ID.match(client_id):
        abort(404)
    return client_id
