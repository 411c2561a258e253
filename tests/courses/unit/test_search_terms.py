"""How text becomes the catalogue index's terms and a keyword the terms it needs (R-CRS-9),
expectations written by hand."""
from __future__ import annotations

from services.courses.domain.search import Keyword, code_of, document_terms, grams, normalised


def test_a_run_gives_its_characters_and_overlapping_pairs() -> None:
    assert grams("防災教育") == {"防", "災", "教", "育", "防災", "災教", "教育"}
    assert grams("x") == {"x"}


def test_text_is_folded_and_cut_at_anything_but_letters_and_digits() -> None:
    assert normalised("「ＳＴＥＭ」跨域　教學_2026！") == "stem 跨域 教學 2026"
    assert document_terms("防災 A", ["王明"], ["elementary"]) == {
        "防", "災", "防災", "a", "l:王", "l:明", "l:王明", "a:elementary"}


def test_a_keyword_needs_itself_if_one_character_else_its_pairs() -> None:
    assert Keyword.of("災").terms() == ["災"]
    assert Keyword.of("防災").terms() == ["防災"]
    assert Keyword.of("閱讀教學").terms() == ["教學", "讀教", "閱讀"]
    assert Keyword.of("陳 美").terms("l:") == ["l:美", "l:陳"]


def test_only_runs_longer_than_a_term_are_confirmed_with_like() -> None:
    assert Keyword.of("防災 閱讀教學 x").confirmed_runs == ("閱讀教學",)
    assert Keyword.of("防災").confirmed_runs == ()


def test_punctuation_and_spaces_only_are_no_keyword() -> None:
    assert Keyword.of("！？ 「」　").empty
    assert Keyword.of(None).empty
    assert Keyword.of("防災 防災").runs == ("防災",)


def test_a_keyword_shaped_like_a_code_names_a_course() -> None:
    assert code_of(" 2026-000123 ") == "2026-000123"
    assert code_of("２０２６-000123") == "2026-000123"
    assert code_of("2026 防災") is None
