"""What a fuzzer sent the accounts API and got a 500 for (issue 8, item 12; R-GW-1): each
is refused as problem+json with its stable type, before it reaches the database."""
from __future__ import annotations

import pytest

BEYOND_64_BITS = str(2**64)
BEYOND_INT = str(2**31)  # the largest page offset is 2**31 - 1


def assert_problem(response, status: int, slug: str) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert response.json["type"] == f"urn:inservice:problem:{slug}"


@pytest.mark.parametrize("path", ["/units", "/teacher-imports", "/national-id-exports",
                                  "/units/353301/teachers"])
@pytest.mark.parametrize("offset", [BEYOND_64_BITS, BEYOND_INT, "-1"])
def test_an_offset_out_of_bounds_is_refused_on_every_list(api, path, offset) -> None:
    answer = api.get(f"{path}?offset={offset}")
    assert_problem(answer, 422, "validation-failed")
    assert list(answer.json["errors"]) == ["offset"]


@pytest.mark.parametrize("path", ["/units", "/teacher-imports", "/national-id-exports"])
def test_the_largest_offset_is_an_empty_page(api, path) -> None:
    answer = api.get(f"{path}?offset={2**31 - 1}&limit=1000")
    assert answer.status_code == 200 and answer.json == []


@pytest.mark.parametrize("body", [
    b'{"national_ids": ["A1234\\u0000"]}',   # NUL: PostgreSQL text cannot hold it
    b'{"national_ids": ["\\ud800"]}',        # a lone surrogate: no database can encode it
    b'{"national_ids": ["x"], "\\udfff": 1}',
])
def test_text_no_database_can_store_is_refused(api, body) -> None:
    answer = api.post("/teachers/lookups", data=body, content_type="application/json")
    assert_problem(answer, 400, "unstorable-text")


def test_a_surrogate_pair_is_text_like_any_other(api) -> None:
    answer = api.post("/teachers/lookups", content_type="application/json",
                      data=b'{"national_ids": ["\\ud83d\\ude00"]}')
    assert answer.status_code == 200, answer.get_data(as_text=True)


def test_nul_in_a_path_or_query_is_refused(api) -> None:
    assert_problem(api.get("/units/35%0033"), 400, "unstorable-text")
    assert_problem(api.get("/units?on=%00"), 400, "unstorable-text")


@pytest.mark.parametrize("body", [b"[" * 100_000, b'{"national_ids": ' * 50_000])
def test_json_nested_deeper_than_the_parser_goes_is_not_read(api, body) -> None:
    answer = api.post("/teachers/lookups", data=body, content_type="application/json")
    assert_problem(answer, 422, "validation-failed")
    assert answer.json["errors"] == {"national_ids": ["Missing data for required field."]}


@pytest.mark.parametrize("deadline", ["9999-12-31T23:59:59-12:00",  # beyond 9999 in UTC
                                      "0001-01-01T00:00:00+14:00",  # before year 1 in UTC
                                      "1899-12-31T23:59:59+00:00", "3000-01-01T00:00:00+00:00"])
def test_a_deadline_outside_the_calendar_is_refused(api, deadline) -> None:
    answer = api.post("/campaigns", json={"title": "教師資料更新", "deadline": deadline,
                                          "authority_codes": ["TPE"]})
    assert_problem(answer, 422, "validation-failed")
    assert list(answer.json["errors"]) == ["deadline"]


def test_a_deadline_at_the_ends_of_the_calendar_is_accepted(api) -> None:
    for deadline in ("1900-01-01T00:00:00+00:00", "2999-12-31T23:59:59+00:00"):
        answer = api.post("/campaigns", json={"title": "教師資料更新", "deadline": deadline,
                                              "authority_codes": ["TPE"]})
        assert answer.status_code == 201, answer.get_data(as_text=True)
