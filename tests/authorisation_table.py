"""Who may call what: every endpoint of every service × every role, written by hand from
REQUIREMENTS "Actors and roles" (least privilege) and the services' READMEs — never
derived from the ``ServiceApi`` declarations that tests/test_authorisation_matrix.py
checks against it. A new endpoint needs its row here, decided by a person.

Cells: ``yes`` let through (neither 401 nor 403, and no 5xx); ``no`` refused (without a
token 401, with a role 403); ``own`` a protocol endpoint (OAuth, OIDC) that authenticates
by its protocol's own rules: it may answer 401, never 403, and no 5xx.
Column ``anon`` is a call without a token (anonymous). Service ``*``: the kit's routes of every
service.

The roles (contracts.vocabulary.ROLES): teacher; business (a unit's staff, scoped to the
unit); reviewer (a regional centre, scoped to one authority); operator (the network's
staff, national); viewer (the ministry: read-only statistics); admin (the network's
administrators: every role to grant, domain/roles.py). Partner sites and county systems
hold no role: they reach only the public and protocol endpoints.
"""
from __future__ import annotations

ROLE_COLUMNS = ("teacher", "business", "reviewer", "operator", "viewer", "admin")

TABLE = """
service  method rule                                                anon teacher business reviewer operator viewer admin

# The kit's routes: probes, monitoring's scrape (R-OPS-2) and the API document.
*        GET    /healthz                                            yes  yes     yes      yes      yes      yes    yes
*        GET    /readyz                                             yes  yes     yes      yes      yes      yes    yes
*        GET    /metrics                                            yes  yes     yes      yes      yes      yes    yes
*        GET    /openapi.json                                       yes  yes     yes      yes      yes      yes    yes

# courses: its replica of the public unit directory (R-ORG-2, R-ORG-4).
courses  GET    /units/<code>                                       yes  yes     yes      yes      yes      yes    yes
courses  GET    /units/<code>/reviewer                              yes  yes     yes      yes      yes      yes    yes

# courses — enrolment (R-CRS-4): teachers enrol, cancel and see their own; the organising
# unit's business accounts (scope: their unit, else 404) decide pending enrolments and see
# the course's enrolments and attempts, as do the network's staff; a lottery's seed hash
# is public.
courses  POST   /<course_id>/enrolments                             no   yes     no       no       no       no     no
courses  DELETE /<course_id>/enrolments/me                          no   yes     no       no       no       no     no
courses  GET    /enrolments/me                                      no   yes     no       no       no       no     no
courses  GET    /<course_id>/enrolments                             no   no      yes      no       yes      no     yes
courses  POST   /<course_id>/enrolments/<enrolment_id>/decision     no   no      yes      no       no       no     no
courses  GET    /<course_id>/enrolment-attempts                     no   no      yes      no       yes      no     yes
courses  GET    /<course_id>/lottery                                yes  yes     yes      yes      yes      yes    yes

# courses — registration and review (R-CRS-1…3): a unit's business accounts register, edit,
# submit and attach (their own unit only); the reviewers of the authority a course was
# routed to decide and see their queue (their authority only); approved courses are public,
# the rest 404 outside that scope; operators keep the vocabularies (R-CRS-8).
courses  GET    /                                                   yes  yes     yes      yes      yes      yes    yes
courses  POST   /                                                   no   no      yes      no       no       no     no
courses  POST   /series                                             no   no      yes      no       no       no     no
courses  GET    /review-queue                                       no   no      no       yes      no       no     no
courses  GET    /<course_id>                                        yes  yes     yes      yes      yes      yes    yes
courses  PATCH  /<course_id>                                        no   no      yes      no       no       no     no
courses  POST   /<course_id>/submission                             no   no      yes      no       no       no     no
courses  POST   /<course_id>/review                                 no   no      no       yes      no       no     no
courses  POST   /<course_id>/attachments                            no   no      yes      no       no       no     no
courses  GET    /<course_id>/attachments/<attachment_id>            yes  yes     yes      yes      yes      yes    yes
courses  GET    /vocabularies/<kind>                                yes  yes     yes      yes      yes      yes    yes
courses  PUT    /vocabularies/<kind>/<code>                         no   no      no       no       yes      no     yes

# courses — the meeting-as-training report (R-CRS-10, R-STA-5): a reviewer their own
# authority's, the network and the ministry every authority's.
courses  GET    /meeting-report                                     no   no      no       yes      yes      yes    yes

# courses — closing (R-CRS-5): the unit's business accounts send the attendee list; the
# reviewers of the course's authority decide; both and the network read it; the return
# reasons (Tainan's request) are the vocabulary roster_return.
courses  PUT    /<course_id>/attendance                             no   no      yes      no       no       no     no
courses  GET    /<course_id>/attendance                             no   no      yes      yes      yes      no     yes
courses  POST   /<course_id>/attendance/review                      no   no      no       yes      no       no     no

# courses — amendments after closing (R-CRS-6): the unit asks; the routed approver (a
# county's or a group's reviewers, or the network's operators) decides and reads its batch;
# the unit's own requests: its business accounts, its authority's reviewers, the network.
courses  POST   /<course_id>/amendments                             no   no      yes      no       no       no     no
courses  POST   /amendments/<amendment_id>/decision                 no   no      no       yes      yes      no     no
courses  GET    /amendments/batches/<month>                         no   no      no       yes      yes      no     yes
courses  GET    /units/<code>/amendments                            no   no      yes      yes      yes      no     yes
courses  GET    /amendment-routes                                   no   no      yes      yes      yes      no     yes
courses  PUT    /amendment-routes/<category>                        no   no      no       no       yes      no     no

# courses — the traffic light (R-CRS-7): the unit's business accounts, its reviewers, the
# network; the transcript (R-CRS-11): the teacher's own.
courses  GET    /units/<code>/light                                 no   no      yes      yes      yes      no     yes
courses  GET    /units/<code>/courses                               no   no      yes      no       yes      no     yes
# A unit's course series (R-CRS-4: a course joins one as a session): its business
# accounts, the reviewers of its authority, the network (anyone else: the unit's 404).
courses  GET    /units/<code>/series                                no   no      yes      yes      yes      no     yes
courses  GET    /transcripts/me                                     no   yes     no       no       no       no     no

# courses — planning (R-CRS-13): a school's business accounts write, submit and read its
# school-based plan and see its teachers' plans summarised (their school only, else 404;
# a unit that is not a school 403); the reviewers of the school's authority read and list
# submitted plans (their authority only); the network's staff read every school's; a
# teacher writes their own plan and reads their school's submitted one with it.
courses  GET    /plans/<school_year>/schools                        no   no      no       yes      yes      no     yes
courses  GET    /plans/<school_year>/schools/<unit_code>            no   no      yes      yes      yes      no     yes
courses  PUT    /plans/<school_year>/schools/<unit_code>            no   no      yes      no       no       no     no
courses  POST   /plans/<school_year>/schools/<unit_code>/submission no   no      yes      no       no       no     no
courses  GET    /plans/<school_year>/schools/<unit_code>/teachers   no   no      yes      no       yes      no     yes
courses  GET    /plans/<school_year>/me                             no   yes     no       no       no       no     no
courses  PUT    /plans/<school_year>/me                             no   yes     no       no       no       no     no
# courses — digital-material and distance course review (R-CRS-14): a teacher-education
# university's business accounts submit, resubmit and attach to their own cases; the
# network's operators (and admins) assign the three reviewers; only a reviewer assigned to
# the case's round scores it; each sees its scope (else 404); the passed list is public.
courses  POST   /materials                                          no   no      yes      no       no       no     no
courses  GET    /materials                                          no   no      yes      yes      yes      no     yes
courses  GET    /materials/passed                                   yes  yes     yes      yes      yes      yes    yes
courses  GET    /materials/<case_id>                                no   no      yes      yes      yes      no     yes
courses  PUT    /materials/<case_id>/reviewers                      no   no      no       no       yes      no     yes
courses  PUT    /materials/<case_id>/score                          no   no      no       yes      no       no     no
courses  POST   /materials/<case_id>/resubmission                   no   no      yes      no       no       no     no
courses  POST   /materials/<case_id>/attachments                    no   no      yes      no       no       no     no
courses  GET    /materials/<case_id>/attachments/<attachment_id>    no   no      yes      yes      yes      no     yes
# courses — news and marquee (R-CRS-12): the network's operators keep them; what is shown
# now is public (JSON, Atom). Calendars (RFC 5545): a published course's .ics is public; a
# teacher resets their own calendar's secret address, which calendar apps read unsigned.
courses  GET    /news                                               yes  yes     yes      yes      yes      yes    yes
courses  GET    /news/feed.atom                                     yes  yes     yes      yes      yes      yes    yes
courses  GET    /marquee                                            yes  yes     yes      yes      yes      yes    yes
courses  GET    /news-items                                         no   no      no       no       yes      no     no
courses  POST   /news-items                                         no   no      no       no       yes      no     no
courses  GET    /news-items/<news_id>                               no   no      no       no       yes      no     no
courses  PUT    /news-items/<news_id>                               no   no      no       no       yes      no     no
courses  DELETE /news-items/<news_id>                               no   no      no       no       yes      no     no
courses  GET    /marquee-lines                                      no   no      no       no       yes      no     no
courses  POST   /marquee-lines                                      no   no      no       no       yes      no     no
courses  PUT    /marquee-lines/<line_id>                            no   no      no       no       yes      no     no
courses  DELETE /marquee-lines/<line_id>                            no   no      no       no       yes      no     no
courses  GET    /<course_id>/calendar.ics                           yes  yes     yes      yes      yes      yes    yes
courses  POST   /calendar-token                                     no   yes     no       no       no       no     no
courses  GET    /calendars/<token>.ics                              yes  yes     yes      yes      yes      yes    yes

# accounts — business accounts (R-ACC-2): anyone applies; the unit's authority (its
# reviewers) or the network (operators) approves and disables; each sees its scope.
accounts POST   /business-accounts                                  yes  yes     yes      yes      yes      yes    yes
accounts GET    /business-accounts                                  no   no      yes      yes      yes      no     yes
accounts POST   /business-accounts/<account_id>/approval            no   no      no       yes      yes      no     no
accounts POST   /business-accounts/<account_id>/disabling           no   no      no       yes      yes      no     no
accounts GET    /reports/dormant-business-accounts                  no   no      no       yes      yes      no     yes

# accounts — staff and role grants: operators hand out business/reviewer/viewer, admins
# every role (services/accounts/domain/roles.py).
accounts POST   /staff-accounts                                     no   no      no       no       yes      no     yes
accounts GET    /accounts/<account_id>/roles                        no   no      no       no       yes      no     yes
accounts POST   /accounts/<account_id>/roles                        no   no      no       no       yes      no     yes
accounts DELETE /accounts/<account_id>/roles/<grant_id>             no   no      no       no       yes      no     yes
accounts GET    /me                                                 no   yes     yes      yes      yes      yes    yes

# accounts — data-update campaigns (R-ACC-3): the network opens them; each authority
# (its reviewers) confirms; the ministry follows the ■/□ table.
accounts POST   /campaigns                                          no   no      no       no       yes      no     yes
accounts GET    /campaigns                                          no   no      no       yes      yes      yes    yes
accounts GET    /campaigns/<campaign_id>/report                     no   no      no       yes      yes      yes    yes
accounts POST   /campaigns/<campaign_id>/confirmations              no   no      no       yes      yes      no     no

# accounts — organisations (R-ORG-1…4): a public directory; the network changes it.
accounts GET    /authorities                                        yes  yes     yes      yes      yes      yes    yes
accounts GET    /units                                              yes  yes     yes      yes      yes      yes    yes
accounts POST   /units                                              no   no      no       no       yes      no     yes
accounts GET    /units/<code>                                       yes  yes     yes      yes      yes      yes    yes
accounts PATCH  /units/<code>                                       no   no      no       no       yes      no     yes
accounts GET    /units/<code>/jurisdiction-history                  yes  yes     yes      yes      yes      yes    yes
accounts GET    /units/<code>/reviewer                              yes  yes     yes      yes      yes      yes    yes
accounts POST   /jurisdiction-transfers                             no   no      no       no       yes      no     yes
accounts GET    /review-routing-rules                               yes  yes     yes      yes      yes      yes    yes
accounts POST   /review-routing-rules                               no   no      no       no       yes      no     yes

# accounts — teachers (R-ACC-1, R-ACC-3; README "Teacher files", "Transfers", "Lookups"):
# the school's authority (reviewers) and the network's staff manage them; a teacher sees
# themself, a business account its school's; the ministry's viewers see no person.
accounts POST   /teachers                                           no   no      no       yes      yes      no     yes
accounts GET    /teachers/<account_id>                              no   yes     yes      yes      yes      no     yes
accounts PATCH  /teachers/<account_id>                              no   no      no       yes      yes      no     yes
accounts POST   /teachers/<account_id>/disabling                    no   no      no       yes      yes      no     no
accounts POST   /teachers/<account_id>/enabling                     no   no      no       yes      yes      no     no
accounts POST   /teachers/<account_id>/transfers                    no   no      no       yes      yes      no     no
accounts GET    /teachers/<account_id>/transfers                    no   yes     yes      yes      yes      no     yes
accounts POST   /teachers/lookups                                   no   no      yes      yes      yes      no     yes
accounts POST   /teachers/batches                                   no   no      no       yes      yes      no     yes
accounts POST   /teachers/imports                                   no   no      no       yes      yes      no     yes
accounts GET    /teacher-imports                                    no   no      no       yes      yes      no     yes
accounts GET    /teacher-imports/<import_id>                        no   no      no       yes      yes      no     yes
accounts GET    /units/<code>/teachers                              no   no      yes      yes      yes      no     yes

# accounts — the lookup for platform services (issue 12 item 5, transfer's teachers): a
# service client's own token (client credentials, accounts audience, scope
# accounts.teachers.lookup); every user's platform token is refused with 401.
accounts POST   /teachers/service-lookups                           own  own     own      own      own      own    own

# accounts — national IDs (R-ACC-1): the authorised export is the operators' alone; its
# audit, the network's staff.
accounts POST   /teachers/national-id-exports                       no   no      no       no       yes      no     no
accounts GET    /national-id-exports                                no   no      no       no       yes      no     yes

# sso — one's own account; first passwords sent by the network (README "Passwords").
sso      GET    /me                                                 no   yes     yes      yes      yes      yes    yes
sso      POST   /me/password                                        no   yes     yes      yes      yes      yes    yes
sso      POST   /accounts/<account_id>/password-setup               no   no      no       no       yes      no     yes

# sso — county roaming in (R-SSO-4): connectors are the network's; a county's reviewers
# (or the network) propose links, only the teacher confirms one; the sign-in pages are
# public.
sso      PUT    /counties/<county_code>/connector                   no   no      no       no       yes      no     yes
sso      GET    /counties/connectors                                no   no      no       no       yes      no     yes
sso      GET    /county-links/requests                              no   no      no       yes      yes      no     yes
sso      POST   /county-links/requests/<arrival_id>/approve         no   no      no       yes      yes      no     yes
sso      POST   /county-links/requests/<arrival_id>/reject          no   no      no       yes      yes      no     yes
sso      GET    /me/county-link-proposals                           no   yes     no       no       no       no     no
sso      POST   /me/county-link-proposals/<arrival_id>/confirmation no   yes     no       no       no       no     no
sso      GET    /accounts/<account_id>/county-links                 no   yes     no       yes      yes      no     yes
sso      POST   /county-links/<link_id>/unlinking                   no   yes     no       yes      yes      no     yes
sso      GET    /login/county/<county_code>                         yes  yes     yes      yes      yes      yes    yes
sso      POST   /login/county/<county_code>                         yes  yes     yes      yes      yes      yes    yes
sso      GET    /login/county/<county_code>/callback                yes  yes     yes      yes      yes      yes    yes
sso      GET    /login/link                                         yes  yes     yes      yes      yes      yes    yes
sso      POST   /login/link                                         yes  yes     yes      yes      yes      yes    yes

# sso — maintenance notices (R-SSO-6): the network announces; the feed is public.
sso      POST   /notices                                            no   no      no       no       yes      no     yes
sso      GET    /notices                                            yes  yes     yes      yes      yes      yes    yes
sso      GET    /notices/<notice_id>                                no   no      no       no       yes      no     yes

# sso — signing keys (R-SSO-1: rotation) and partner sites (R-SSO-2): the network's.
sso      POST   /keys/rotate                                        no   no      no       no       yes      no     yes
sso      POST   /partners                                           no   no      no       no       yes      no     yes
sso      GET    /partners                                           no   no      no       no       yes      no     yes
sso      GET    /partners/<client_id>                               no   no      no       no       yes      no     yes
sso      GET    /partners/<client_id>/history                       no   no      no       no       yes      no     yes
sso      POST   /partners/<client_id>/testing                       no   no      no       no       yes      no     yes
sso      POST   /partners/<client_id>/approval                      no   no      no       no       yes      no     yes
sso      POST   /partners/<client_id>/enable                        no   no      no       no       yes      no     yes
sso      POST   /partners/<client_id>/disable                       no   no      no       no       yes      no     yes
sso      POST   /partners/<client_id>/secret                        no   no      no       no       yes      no     yes
sso      GET    /test-accounts                                      no   no      no       no       yes      no     yes
sso      PUT    /test-accounts/<account_id>                         no   no      no       no       yes      no     yes
sso      DELETE /test-accounts/<account_id>                         no   no      no       no       yes      no     yes

# sso — machine clients of the transfer service's sources (R-TRF-1, R-TRF-8): the network's.
sso      POST   /machine-clients                                    no   no      no       no       yes      no     yes
sso      GET    /machine-clients                                    no   no      no       no       yes      no     yes
sso      GET    /machine-clients/<client_id>                        no   no      no       no       yes      no     yes
sso      POST   /machine-clients/<client_id>/handover               no   no      no       no       yes      no     yes
sso      POST   /machine-clients/<client_id>/disable                no   no      no       no       yes      no     yes

# sso — signing in and out, passwords by link (R-SSO-1, R-SSO-7): pages for anyone.
sso      GET    /login                                              yes  yes     yes      yes      yes      yes    yes
sso      POST   /login                                              yes  yes     yes      yes      yes      yes    yes
sso      GET    /logout                                             yes  yes     yes      yes      yes      yes    yes
sso      POST   /logout                                             yes  yes     yes      yes      yes      yes    yes
sso      GET    /login/forgot                                       yes  yes     yes      yes      yes      yes    yes
sso      POST   /login/forgot                                       yes  yes     yes      yes      yes      yes    yes
sso      GET    /login/setup                                        yes  yes     yes      yes      yes      yes    yes
sso      POST   /login/setup                                        yes  yes     yes      yes      yes      yes    yes

# stats — reports (R-STA-1…8, issue 13 item 4): ministry viewers, operators and admins read
# every scope; a reviewer their authority, a business account its unit (scope checked in the
# use case: tests/stats/test_stats_scopes.py); teachers read none.
stats    GET    /reports                                            no   no      yes      yes      yes      yes    yes
stats    GET    /reports/<name>                                     no   no      yes      yes      yes      yes    yes

# sso — the OpenID Connect provider (R-SSO-1): partner sites reach it with no platform
# role; clients authenticate by the protocol (secret, PKCE), userinfo by its own token.
sso      GET    /.well-known/openid-configuration                   yes  yes     yes      yes      yes      yes    yes
sso      GET    /jwks.json                                          yes  yes     yes      yes      yes      yes    yes
sso      GET    /oauth/authorize                                    yes  yes     yes      yes      yes      yes    yes
sso      POST   /oauth/authorize                                    yes  yes     yes      yes      yes      yes    yes
sso      POST   /oauth/token                                        yes  yes     yes      yes      yes      yes    yes
sso      POST   /oauth/revoke                                       yes  yes     yes      yes      yes      yes    yes
sso      POST   /oauth/introspect                                   yes  yes     yes      yes      yes      yes    yes
sso      GET    /oauth/userinfo                                     own  own     own      own      own      own    own
sso      POST   /oauth/userinfo                                     own  own     own      own      own      own    own

# transfer — sources (R-TRF-1, R-TRF-7): the network's staff manage them and their mappings;
# a unit's business accounts read their own unit's, send its files (R-TRF-3) and set its
# contact for mailed findings (another unit's: 404). The format (R-TRF-4) is public.
# A push (R-TRF-2) takes a source's own machine token (client credentials, transfer
# audience) and no platform token: it authenticates itself and answers 401 to any other.
transfer POST   /sources                                            no   no      no       no       yes      no     yes
transfer GET    /sources                                            no   no      yes      no       yes      no     yes
transfer GET    /sources/<code>                                     no   no      yes      no       yes      no     yes
transfer GET    /sources/<code>/counts                              no   no      yes      no       yes      no     yes
transfer POST   /sources/<code>/freeze-exceptions                   no   no      no       no       yes      no     yes
transfer POST   /sources/<code>/steps                               no   no      no       no       yes      no     yes
transfer POST   /sources/<code>/state                               no   no      no       no       yes      no     yes
transfer PUT    /sources/<code>/contact                             no   no      yes      no       yes      no     yes
transfer POST   /sources/<code>/batches                             own  own     own      own      own      own    own
transfer PUT    /sources/<code>/mappings/<part>                     no   no      no       no       yes      no     yes
transfer GET    /sources/<code>/mappings                            no   no      yes      no       yes      no     yes
transfer POST   /sources/<code>/file-tests                          no   no      yes      no       yes      no     yes
transfer POST   /sources/<code>/files                               no   no      yes      no       yes      no     yes
transfer GET    /sources/<code>/files                               no   no      yes      no       yes      no     yes
transfer GET    /sources/<code>/files/<upload_id>                   no   no      yes      no       yes      no     yes
transfer GET    /sources/<code>/files/<upload_id>/report.xlsx       no   no      yes      no       yes      no     yes
transfer GET    /sources/<code>/files/<upload_id>/report.csv        no   no      yes      no       yes      no     yes

# transfer — deadlines, audits, duplicates (R-TRF-5, R-TRF-6, R-TRF-11; issue 12 item 6):
# the network's staff see every source, a unit's business accounts their own unit's; a
# source states its monthly counts with its own machine token (not a role: not in this
# table) or through its unit's business accounts or the staff; duplicates are the staff's.
transfer GET    /deadlines                                          no   no      yes      no       yes      no     yes
transfer PUT    /sources/<code>/reported-counts/<month>             no   no      yes      no       yes      no     yes
transfer GET    /sources/<code>/reported-counts                     no   no      yes      no       yes      no     yes
transfer GET    /sources/<code>/audits                              no   no      yes      no       yes      no     yes
transfer GET    /sources/<code>/audits/<audit_id>                   no   no      yes      no       yes      no     yes
transfer GET    /duplicates                                         no   no      no       no       yes      no     yes

transfer GET    /format/v1/schema.json                              yes  yes     yes      yes      yes      yes    yes
transfer GET    /format/v1/transfer.xsd                             yes  yes     yes      yes      yes      yes    yes
transfer GET    /format/changelog                                   yes  yes     yes      yes      yes      yes    yes

# transfer — county export (R-TRF-9): a county's reviewers (their authority is the county;
# another county: 404) and the network's staff.
transfer GET    /counties/<county>/records.csv                      no   no      no       yes      yes      no     yes
transfer GET    /counties/<county>/records.xlsx                     no   no      no       yes      yes      no     yes
"""

CELLS = {"yes", "no", "own"}


def rows() -> dict[tuple[str, str, str], dict[str, str]]:
    """(service, method, rule) → {"anon": cell, role: cell…}."""
    lines = [line for line in TABLE.splitlines() if line.strip() and not line.startswith("#")]
    header, body = lines[0].split(), lines[1:]
    columns = header[3:]
    assert tuple(columns) == ("anon", *ROLE_COLUMNS), columns
    table: dict[tuple[str, str, str], dict[str, str]] = {}
    for line in body:
        service, method, rule, *cells = line.split()
        assert len(cells) == len(columns) and set(cells) <= CELLS, line
        assert (service, method, rule) not in table, f"two rows for {line}"
        table[(service, method, rule)] = dict(zip(columns, cells, strict=True))
    return table
