"""The vocabularies as first seeded (R-CRS-1, R-CRS-3, R-CRS-8); operators change them
afterwards (a seeded term an operator changed is never overwritten by a later seeding).

The eight policy tags, their short names, legal bases and dates are the seed's table
(ROC dates 100年7月 … 102年11月 as the first day of the month). The return reasons are
lettered as the seed's list is; item J is spelt as the seed spells it."""
from __future__ import annotations

from datetime import date

from services.courses.domain.vocabularies import (
    AUDIENCE,
    CATEGORY,
    CLASS_TYPE,
    MEETING_KEYWORD,
    NATURE,
    RETURN_REASON,
    ROSTER_RETURN,
    SUBCATEGORY,
    SUBJECT,
    TAG,
    TIME_SLOT,
    Term,
)

APPROVAL_LETTER_REASON = "J"


def _plain(kind: str, *pairs: tuple[str, str]) -> list[Term]:
    return [Term(kind, code, label, position=n) for n, (code, label) in enumerate(pairs, 1)]


CLASS_TYPES = _plain(CLASS_TYPE, ("credit_class", "學分班"), ("non_credit_class", "非學分班"),
                     ("degree_programme", "學位班"))
NATURES = _plain(NATURE, ("kindergarten", "幼兒園"), ("elementary", "國小"),
                 ("junior_high", "國中"),
                 ("senior_high", "高中(含完全中學高中部及綜合中學高中部)"),
                 ("vocational", "高職"), ("special_education", "特殊教育"),
                 ("cross_level", "跨學習階段"))
TIME_SLOTS = _plain(TIME_SLOT, ("weekday_daytime", "週一至週五白天"),
                    ("weekday_evening", "週一至週五晚上"), ("weekend", "週末"),
                    ("holiday", "寒暑假及國定假日"))
AUDIENCES = _plain(AUDIENCE, ("kindergarten", "幼兒園教師及教保服務人員"),
                   ("elementary", "國小教師"), ("junior_high", "國中教師"),
                   ("senior_high", "高中(含完全中學國中部及高中附設國小部)教師"),
                   ("vocational", "高職教師"), ("special_education", "特殊教育教師"),
                   ("administrators", "學校行政人員"))

# category → sub-categories → subjects ("none" where a sub-category has no subject).
_TREE: tuple[tuple[str, str, tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]], ...] = (
    ("administration", "行政", (
        ("academic_affairs", "教務類", (("academic_affairs_none", "無"),)),
        ("student_affairs", "學務類", (("student_affairs_none", "無"),)),
        ("general_affairs", "總務類", (("general_affairs_none", "無"),)),
        ("counselling", "輔導類", (("counselling_none", "無"),)),
    )),
    ("teaching", "課程與教學", (
        ("language", "語文", (("chinese", "國語文"), ("english", "英語文"),
                              ("native_language", "本土語文"))),
        ("mathematics", "數學", (("mathematics", "數學"),)),
        ("science", "自然科學", (("physics", "物理"), ("chemistry", "化學"),
                                 ("biology", "生物"), ("earth_science", "地球科學"))),
        ("social_studies", "社會", (("history", "歷史"), ("geography", "地理"),
                                    ("civics", "公民與社會"))),
        ("arts", "藝術", (("music", "音樂"), ("visual_arts", "視覺藝術"),
                          ("performing_arts", "表演藝術"))),
        ("health_pe", "健康與體育", (("health", "健康教育"), ("physical_education", "體育"))),
        ("technology", "科技", (("information_technology", "資訊科技"),
                                ("living_technology", "生活科技"))),
    )),
    ("professional", "專業發展", (
        ("evaluation", "教師專業發展評鑑", (("evaluation_none", "無"),)),
        ("issues", "議題融入", (("gender_equity", "性別平等"), ("environment", "環境教育"),
                                ("disaster_prevention", "防災教育"))),
        ("preschool", "幼兒教保", (("preschool_care", "教保專業知能"),)),
    )),
)


def _tree() -> list[Term]:
    terms: list[Term] = []
    for c, (category, label, subcategories) in enumerate(_TREE, 1):
        terms.append(Term(CATEGORY, category, label, position=c))
        for s, (subcategory, sub_label, subjects) in enumerate(subcategories, 1):
            terms.append(Term(SUBCATEGORY, subcategory, sub_label, category, position=s))
            terms.extend(Term(SUBJECT, subject, subject_label, subcategory, position=n)
                         for n, (subject, subject_label) in enumerate(subjects, 1))
    return terms


# R-CRS-8: the eight tags of the seed's table, with basis and date added.
TAGS = [Term(TAG, code, label, position=n, short_label=short, basis=basis, added_on=added)
        for n, (code, label, short, basis, added) in enumerate((
            ("teacher_evaluation", "教師專業發展評鑑", "[教專評鑑]", "教育部推動教師專業發展評鑑政策",
             date(2011, 7, 1)),
            ("gender_equity", "性別平等教育", "[性平教育]", "性別平等教育法", date(2013, 11, 1)),
            ("environment", "環境教育", "[環境教育]", "環境教育法", date(2013, 6, 1)),
            ("disaster_prevention", "防災教育", "[防災教育]", "教育部推動防災教育政策",
             date(2013, 6, 1)),
            ("preschool_care", "幼兒園教保專業知能", "[教保專業]", "幼兒教育及照顧法",
             date(2012, 11, 1)),
            ("basic_life_support", "基本救命術訓練", "[基本訓練]", "幼兒教育及照顧法",
             date(2013, 11, 1)),
            ("safety", "安全教育", "[安全教育]", "幼兒教育及照顧法", date(2013, 11, 1)),
            ("life_support_and_safety", "基本救命術訓練及安全教育", "[安全訓練]", "幼兒教育及照顧法",
             date(2013, 11, 1)),
        ), 1)]

# R-CRS-3: the reasons a reviewer returns a course with, lettered; J as the seed spells it.
RETURN_REASONS = [Term(RETURN_REASON, letter, label, position=n) for n, (letter, label) in
                  enumerate((
                      ("A", "〔A.研習名稱〕研習名稱不明確或與內容不符，請修正"),
                      ("B", "〔B.研習對象〕研習對象與課程性質不符，請修正"),
                      ("C", "〔C.研習時數〕研習時數與課程時間不符，請修正"),
                      ("D", "〔D.研習日期〕研習日期或時間有誤，請修正"),
                      ("E", "〔E.研習地點〕研習地點不明確，請補充"),
                      ("F", "〔F.課程類別〕課程類別、細項或科目選擇有誤，請修正"),
                      ("G", "〔G.講師資料〕講師資料不完整，請補充"),
                      ("H", "〔H.報名設定〕報名期間或人數設定有誤，請修正"),
                      ("I", "〔I.研習內容〕研習內容屬會議性質，不得核發研習時數"),
                      (APPROVAL_LETTER_REASON, "〔J.研習附件〕請上傳核定公文"),
                  ), 1)]

# R-CRS-5 (Tainan's request, the seed's 名單不通過原因): the reasons a reviewer returns an
# attendee list with, lettered like the course review's.
ROSTER_RETURNS = [Term(ROSTER_RETURN, letter, label, position=n) for n, (letter, label) in
                  enumerate((
                      ("A", "〔A.研習名單〕名單人員與實際出席情形不符"),
                      ("B", "〔B.研習時數〕核發時數與課程時數或出席情形不符"),
                      ("C", "〔C.研習名單〕名單重複或遺漏學員"),
                      ("D", "〔D.研習附件〕請上傳簽到表"),
                      ("E", "〔E.課程資料〕課程日期或時數有誤，請先申請修正"),
                      ("Z", "〔Z.其他〕請見說明"),
                  ), 1)]

# R-CRS-10: the meeting names the seed lists; operators add others.
MEETING_KEYWORDS = _plain(MEETING_KEYWORD, ("school_affairs", "校務會議"),
                          ("grade_year", "學年會議"), ("administrative", "行政會議"))

SEED: list[Term] = [*CLASS_TYPES, *NATURES, *TIME_SLOTS, *AUDIENCES, *_tree(), *TAGS,
                    *RETURN_REASONS, *ROSTER_RETURNS, *MEETING_KEYWORDS]
