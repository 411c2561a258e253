"""Issue 12 item 5: transfer's own token is asked for once and kept until shortly before
it expires; the accounts lookup asks for a new one when accounts refuses the kept one
(401), and answers 503 (accounts-unavailable) when sso or accounts do not answer."""
from __future__ import annotations

from typing import Any

import pytest
import requests

from servicekit.errors import Unavailable
from services.transfer.adapters.accounts_lookup import AccountsLookup
from services.transfer.adapters.service_token import MARGIN_SECONDS, ServiceToken


class Answer:
    def __init__(self, status: int, body: Any) -> None:
        self.status_code, self._body = status, body

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise requests.HTTPError(str(self.status_code))

    def json(self) -> Any:
        return self._body


class Session:
    """requests.Session as the adapters use it: each post answered from a script."""

    def __init__(self, *answers: Answer) -> None:
        self.answers, self.calls = list(answers), list[tuple[str, dict]]()

    def post(self, url: str, **kwargs: Any) -> Answer:
        self.calls.append((url, kwargs))
        if not self.answers:
            raise requests.ConnectionError("nobody there")
        return self.answers.pop(0)


def token(name: str, seconds: int = 600) -> Answer:
    return Answer(200, {"access_token": name, "token_type": "Bearer", "expires_in": seconds})


def test_the_token_is_kept_until_shortly_before_it_expires() -> None:
    now = [1000.0]
    session = Session(token("first"), token("second"))
    tokens = ServiceToken("http://sso/oauth/token", "service-transfer", lambda: "secret",
                          "accounts.teachers.lookup", session,  # type: ignore[arg-type]
                          now=lambda: now[0])
    assert tokens() == "first" and tokens() == "first"
    [(url, sent)] = session.calls
    assert url == "http://sso/oauth/token" and sent["auth"] == ("service-transfer", "secret")
    assert sent["data"] == {"grant_type": "client_credentials",
                            "scope": "accounts.teachers.lookup"}
    now[0] += 600 - MARGIN_SECONDS - 1
    assert tokens() == "first"
    now[0] += 1
    assert tokens() == "second" and len(session.calls) == 2
    tokens.forget()
    with pytest.raises(Unavailable):  # sso does not answer: 503, nothing kept
        tokens()


def test_a_refused_token_is_asked_for_again_once() -> None:
    sso = Session(token("old"), token("new"))
    tokens = ServiceToken("http://sso/oauth/token", "service-transfer", lambda: "secret",
                          "accounts.teachers.lookup", sso)  # type: ignore[arg-type]
    accounts = Session(Answer(401, {}), Answer(200, [{"found": True, "account_id": "a-1"},
                                                     {"found": False}]))
    lookup = AccountsLookup("http://accounts/", tokens, accounts)  # type: ignore[arg-type]
    assert lookup.account_ids(["A1", "B2"]) == {"A1": "a-1"}
    assert [c[1]["headers"]["Authorization"] for c in accounts.calls] == [
        "Bearer old", "Bearer new"]
    assert accounts.calls[0][0] == "http://accounts/teachers/service-lookups"
    refused = AccountsLookup("http://accounts", tokens,
                             Session(Answer(403, {})))  # type: ignore[arg-type]
    with pytest.raises(Unavailable):
        refused.account_ids(["A1"])
