"""The vocabularies (R-CRS-1, R-CRS-3, R-CRS-8): seeded at migrate, read by anyone, kept by
operators; a retired term is refused to new registrations; re-seeding never undoes an
operator's change."""
from __future__ import annotations

from courses_helpers import course_body

from services.courses.handlers import vocabularies

PROBLEM = "urn:inservice:problem:"


def codes(api, kind: str) -> list[str]:
    return [term["code"] for term in api.call("get", f"/vocabularies/{kind}").get_json()]


def test_the_return_reasons_are_lettered_and_j_is_spelt_as_the_seed_spells_it(api) -> None:
    reasons = api.call("get", "/vocabularies/return_reason").get_json()
    assert [r["code"] for r in reasons] == list("ABCDEFGHIJ")
    assert reasons[-1]["label"] == "〔J.研習附件〕請上傳核定公文"
    assert all(r["label"].startswith(f"〔{r['code']}.") for r in reasons)


def test_the_eight_policy_tags_carry_their_basis_and_date(api) -> None:
    tags = api.call("get", "/vocabularies/tag").get_json()
    assert [t["label"] for t in tags] == [
        "教師專業發展評鑑", "性別平等教育", "環境教育", "防災教育", "幼兒園教保專業知能",
        "基本救命術訓練", "安全教育", "基本救命術訓練及安全教育"]
    gender = next(t for t in tags if t["code"] == "gender_equity")
    assert (gender["short_label"], gender["basis"], gender["added_on"]) == \
        ("[性平教育]", "性別平等教育法", "2013-11-01")


def test_class_types_and_the_category_tree(api) -> None:
    assert codes(api, "class_type") == ["credit_class", "non_credit_class", "degree_programme"]
    assert "weekday_evening" in codes(api, "time_slot")
    subjects = api.call("get", "/vocabularies/subject").get_json()
    assert {s["parent_code"] for s in subjects if s["code"] in ("chinese", "english")} == \
        {"language"}
    assert api.call("get", "/vocabularies/colours").status_code == 404


def test_an_operator_adds_a_subject_and_retires_a_tag(api) -> None:
    added = api.call("put", "/vocabularies/subject/korean", "operator",
                     json={"label": "韓語", "parent_code": "language"})
    assert added.status_code == 201
    assert api.business("post", "/", json=course_body(subject="korean")).status_code == 201
    retired = api.call("put", "/vocabularies/tag/safety", "operator",
                       json={"label": "安全教育", "active": False, "basis": "幼兒教育及照顧法",
                             "added_on": "2013-11-01"})
    assert retired.status_code == 200 and retired.get_json()["active"] is False
    refused = api.business("post", "/", json=course_body(tags=["safety"]))
    assert refused.status_code == 422 and "tags" in refused.get_json()["errors"]
    vocabularies.seed(api.runtime.components.uow(), api.clock)  # as the next migrate does
    assert next(t for t in api.call("get", "/vocabularies/tag").get_json()
                if t["code"] == "safety")["active"] is False


def test_a_term_keeps_its_shape(api) -> None:
    def refused(path: str, **body) -> dict:
        answer = api.call("put", path, "operator", json=body)
        assert answer.status_code == 422, answer.get_json()
        return answer.get_json()["errors"]

    assert "parent_code" in refused("/vocabularies/subject/x", label="x")  # no parent
    assert "parent_code" in refused("/vocabularies/subject/x", label="x", parent_code="nope")
    assert "parent_code" in refused("/vocabularies/class_type/x", label="x", parent_code="language")
    assert "basis" in refused("/vocabularies/tag/new_tag", label="新標籤")  # R-CRS-8
    assert "code" in refused("/vocabularies/tag/bad code!", label="x")
    assert "label" in refused("/vocabularies/nature/x")
    assert api.call("put", "/vocabularies/nature/x", "business", unit="353301",
                    json={"label": "x"}).status_code == 403
