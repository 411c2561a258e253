"""Partner sites through their lifecycle (R-SSO-2, R-SSO-3) on the fake unit of work.
Refusals are application errors with a stable slug (the API answers them as problem+json:
Invalid → 422, Conflict → 409, NotFound → 404)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sso_fakes import FakeKeys, FakeSsoUnitOfWork, clock, config

from servicekit.errors import Conflict, Invalid, NotFound
from services.sso.adapters.digests import digest_matches
from services.sso.adapters.sector_documents import SectorDocumentError
from services.sso.domain.clients import APPLIED, DISABLED, ENABLED, FIRST_PARTY, Client
from services.sso.domain.grants import StoredGrant
from services.sso.handlers.backchannel import LogoutSender
from services.sso.handlers.partners import Partners

ACCOUNT = "5b0c1f3e-0000-4000-8000-000000000001"
SECTOR_DOCUMENT = "https://partner.example/sector.json"


def partner(client_id: str = "partner-a", **fields) -> Client:
    return Client(client_id, "Partner A", **{
        "redirect_uris": ("https://partner.example/callback",), **fields})


@pytest.fixture
def uow() -> FakeSsoUnitOfWork:
    return FakeSsoUnitOfWork()


@pytest.fixture
def partners(uow) -> Partners:
    documents = {SECTOR_DOCUMENT: ["https://partner.example/callback",
                                   "https://other.partner.example/callback"]}

    def read(uri: str) -> list[str]:
        if uri not in documents:
            raise SectorDocumentError(f"{uri} cannot be read")
        return documents[uri]
    fixed = clock()
    return Partners(lambda: uow, fixed, read,
                    LogoutSender(lambda: uow, FakeKeys(), config(), fixed))  # type: ignore[arg-type]


def test_a_partner_is_registered_with_its_secret_shown_once(uow, partners) -> None:
    client, secret = partners.register(partner(), by="ops.chen")
    assert client.status == APPLIED and client.sector == "partner.example"
    stored = uow.clients.get("partner-a")
    assert stored is not None and stored.created_at == clock().now()
    assert secret and digest_matches(secret, stored.secret_hash)
    assert partners.history("partner-a") == [
        {"status": APPLIED, "at": clock().now(), "by": "ops.chen", "note": "registered"}]


def test_a_client_id_is_registered_once(partners) -> None:
    partners.register(partner(), by="ops.chen")
    with pytest.raises(Conflict) as taken:
        partners.register(partner(), by="ops.chen")
    assert taken.value.slug == "client-exists" and taken.value.detail == "partner-a"


@pytest.mark.parametrize("wrong", [
    partner(client_id="X"),
    partner(redirect_uris=("http://partner.example/callback",)),  # http off loopback
    partner(auth_method="none"),  # a partner site authenticates with a secret
    partner(sector_identifier_uri="https://partner.example/unknown.json"),
])
def test_a_registration_that_breaks_a_rule_is_invalid(partners, uow, wrong) -> None:
    with pytest.raises(Invalid) as refused:
        partners.register(wrong, by="ops.chen")
    assert refused.value.slug == "invalid-client"
    assert uow.clients.clients == {}


def test_the_sector_document_names_the_sector_of_several_hosts(partners) -> None:
    client, _ = partners.register(partner(
        redirect_uris=("https://partner.example/callback",
                       "https://other.partner.example/callback"),
        sector_identifier_uri=SECTOR_DOCUMENT), by="ops.chen")
    assert client.sector == "partner.example"


def test_the_lifecycle_goes_step_by_step_with_its_history(partners) -> None:
    partners.register(partner(), by="ops.chen")
    partners.start_testing("partner-a", by="ops.chen")
    with pytest.raises(Conflict) as skipped:
        partners.enable("partner-a", by="ops.chen")  # approval first
    assert skipped.value.slug == "invalid-transition"
    partners.approve("partner-a", by="ops.chen", reference="臺教師(三)字第1號",
                     approved_on=date(2026, 12, 1))
    enabled = partners.enable("partner-a", by="ops.chen")
    assert enabled.status == ENABLED and enabled.approval_reference == "臺教師(三)字第1號"
    assert [row["status"] for row in partners.history("partner-a")] == [
        "applied", "testing", "approved", "enabled"]


def test_an_unknown_client_is_not_found(partners) -> None:
    for call in (lambda: partners.find("nobody"), lambda: partners.history("nobody"),
                 lambda: partners.enable("nobody", by="ops.chen"),
                 lambda: partners.new_secret("nobody", by="ops.chen")):
        with pytest.raises(NotFound):
            call()


def test_the_platforms_own_clients_have_no_lifecycle_and_a_public_one_no_secret(partners) -> None:
    partners.register(Client("web", "Web", kind=FIRST_PARTY, status=ENABLED, auth_method="none",
                             redirect_uris=("https://platform.example/callback",)), by="seed")
    with pytest.raises(Conflict):
        partners.disable("web", by="ops.chen", disabled_on=date(2026, 12, 3), reason="no")
    with pytest.raises(Invalid) as public:
        partners.new_secret("web", by="ops.chen")
    assert public.value.slug == "public-client"


def test_a_new_secret_replaces_the_old_one(uow, partners) -> None:
    _, old = partners.register(partner(), by="ops.chen")
    new = partners.new_secret("partner-a", by="ops.chen")
    stored = uow.clients.get("partner-a")
    assert digest_matches(new, stored.secret_hash) and not digest_matches(old, stored.secret_hash)
    assert stored.version == 2


def test_disabling_revokes_every_grant_and_tells_the_partner_after_the_commit(uow, partners) -> None:
    partners.register(partner(backchannel_logout_uri="https://partner.example/logout"),
                      by="ops.chen")
    for step in (partners.start_testing, partners.enable):
        if step == partners.enable:
            partners.approve("partner-a", "ops.chen", "ref-1", date(2026, 12, 1))
        step("partner-a", by="ops.chen")
    now = clock().now()
    for grant_id, sid in (("g-1", "sid-1"), ("g-2", None)):
        uow.grants.add(StoredGrant(grant_id, "partner-a", ACCOUNT, sid, "openid", now, "pwd",
                                   now, now + timedelta(hours=1)))
    disabled = partners.disable("partner-a", by="ops.chen", disabled_on=date(2026, 12, 3),
                                reason="合約結束")
    assert disabled.status == DISABLED and disabled.disabled_reason == "合約結束"
    assert {g.revoked_reason for g in uow.grants.grants.values()} == {"partner-disabled"}
    deliveries = list(uow.logout_deliveries.rows.values())
    assert sorted((d.sid or "") for d in deliveries) == ["", "sid-1"]
    assert uow.after_commit_work == [("backchannel-logout", [d.id for d in deliveries])]
    assert partners.history("partner-a")[-1]["note"] == "合約結束"
