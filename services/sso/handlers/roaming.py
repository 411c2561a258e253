"""County roaming in (R-SSO-4), both ways the seed describes: (a) the county's web service
checks the county credentials, (b) the county's own sign-on as an upstream OpenID Connect
provider. Either way the county identity then signs in the teacher it is linked to
(handlers/county_links.py), and the session goes on to partner sites like any other
(roam and roam again, R-SSO-5).

These use cases take the service's dependencies whole: they go on into the county
connectors and links, which do so too."""
from __future__ import annotations

from datetime import timedelta

from servicekit.errors import NotFound
from services.sso.adapters.county_oidc import UpstreamProvider
from services.sso.adapters.county_service import ADAPTERS, CountyUnavailable
from services.sso.adapters.digests import digest, new_token
from services.sso.adapters.upstream_logins_repo import UpstreamLogin
from services.sso.dependencies import SsoDependencies
from services.sso.domain.logins import LONGEST_COUNTY_USER_NAME, normalised_login
from services.sso.handlers.county_connectors import METHODS, OIDC, WEB_SERVICE, connector, secret_of
from services.sso.handlers.county_links import Linked, NeedsLink, arrive
from services.sso.handlers.credentials import Locked
from services.sso.handlers.sign_in_records import Client, record_login

UPSTREAM_SECONDS = 600


class SignOnNotPending(CountyUnavailable):
    """The browser came back without a code, or with a state nobody waits for (made up,
    expired, used already, or the county's own ``error``): the browser's mistake, not the
    county's."""


# -- (a) the county's web service ---------------------------------------------------------
def sign_in_with_service(sso: SsoDependencies, county_code: str, username: str, password: str,
                         who: Client, request_id: str | None) -> Linked | NeedsLink | None:
    """None: the county said no (the same answer whatever the reason). Raises ``Locked``
    and ``CountyUnavailable``. The county user name is counted and recorded only as a
    keyed digest (some counties use the national ID as user name); the county gets it as
    typed, surrounding whitespace removed."""
    item = connector(sso.unit_of_work(), county_code)
    if item.mode != WEB_SERVICE:
        raise NotFound(f"{county_code} signs in by redirect")
    if normalised_login(username, longest=LONGEST_COUNTY_USER_NAME) is None or not password:
        return None
    key = f"county:{county_code}:{sso.name_digests.typed_name(username, county_code)}"
    if not sso.throttle.reserve(key):
        _record(sso, county_code, username, "locked", who)
        raise Locked
    adapter = ADAPTERS[item.config["adapter"]](county_code, item.config["endpoint"],
                                               secret_of(sso.unit_of_work(), sso.sealer,
                                                         county_code),
                                               sso.config.outgoing_timeout_seconds)
    try:
        identity = adapter.check(username.strip(), password)
    except CountyUnavailable:
        sso.throttle.release(key)
        raise
    if identity is None:
        sso.throttle.failed(key)
        _record(sso, county_code, username, "failure", who)
        return None
    sso.throttle.succeeded(key)
    return arrive(sso.unit_of_work(), sso.clock, sso.name_digests, identity,
                  METHODS[WEB_SERVICE], request_id)


def _record(sso: SsoDependencies, county_code: str, username: str, outcome: str, who: Client) -> None:
    with sso.unit_of_work() as uow:
        record_login(uow.login_records, sso.name_digests, sso.clock.now(), None, username,
                     "county_service", outcome, who, county_code)


# -- (b) the county's own sign-on (upstream OpenID Connect) --------------------------------
def upstream(sso: SsoDependencies, county_code: str) -> UpstreamProvider:
    item = connector(sso.unit_of_work(), county_code)
    if item.mode != OIDC:
        raise NotFound(f"{county_code} signs in with its web service")

    def build() -> UpstreamProvider:
        return UpstreamProvider(
            county_code, item.config["issuer"], item.config["client_id"],
            secret_of(sso.unit_of_work(), sso.sealer, county_code),
            sso.config.url(f"/login/county/{county_code}/callback"),
            sso.config.outgoing_timeout_seconds, item.config.get("scope", "openid profile email"),
            item.config.get("claims"))
    # Keyed by the connector's last change: every worker picks up a new configuration.
    return sso.upstream_provider(f"{county_code}@{item.updated_at}", build)


def start_upstream(sso: SsoDependencies, county_code: str, request_id: str | None) -> str:
    provider = upstream(sso, county_code)
    state, nonce, verifier = new_token(), new_token(), new_token(48)
    with sso.unit_of_work() as uow:
        uow.upstream_logins.add(UpstreamLogin(
            digest(state), county_code, nonce, verifier, request_id,
            sso.clock.now() + timedelta(seconds=UPSTREAM_SECONDS)))
    return provider.authorization_url(state, nonce, verifier)


def finish_upstream(sso: SsoDependencies, county_code: str, code: str | None,
                    state: str | None) -> tuple[Linked | NeedsLink, str | None]:
    """The outcome and the authorization request that was waiting. Raises
    ``SignOnNotPending`` for what the browser got wrong, ``CountyUnavailable`` for what
    the county did."""
    if not code or not state:
        raise SignOnNotPending(f"{county_code}: the county sent no code")
    with sso.unit_of_work() as uow:
        row = uow.upstream_logins.take(digest(state), county_code, sso.clock.now())
    if row is None:
        raise SignOnNotPending(f"{county_code}: unknown or expired state")
    identity = upstream(sso, county_code).identity(code, row.code_verifier, row.nonce)
    return (arrive(sso.unit_of_work(), sso.clock, sso.name_digests, identity, METHODS[OIDC],
                   row.request_id), row.request_id)
