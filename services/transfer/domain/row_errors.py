"""Row errors of the transfer format (R-TRF-2, R-TRF-3, R-TRF-11): a stable code per
kind of fault, with its message in zh-TW and English. A source fixes its data by the
code; the messages are for the person who reads the report."""
from __future__ import annotations

from dataclasses import dataclass

MESSAGES: dict[str, tuple[str, str]] = {
    "required": ("必填欄位未填", "A required field is empty"),
    "too-long": ("欄位內容過長", "The field is too long"),
    "invalid-date": ("日期格式應為 YYYY-MM-DD", "A date is written YYYY-MM-DD"),
    "invalid-hours": ("時數應為不小於 0 的數字，至多一位小數",
                      "Hours are a number of at least 0 with at most one decimal"),
    "end-before-start": ("結束日期早於開始日期", "The end date is before the start date"),
    "invalid-code": ("代碼格式不正確", "The code is not well formed"),
    "invalid-national-id": ("身分證字號或居留證號不正確",
                            "The national ID or resident certificate number is not valid"),
    "unknown-teacher": ("查無此教師", "No teacher has this ID"),
    "unknown-course": ("查無此課程代碼（請先傳送課程）",
                       "No course has this key (send the course first)"),
    "frozen-period": ("凍結日（含）以前開始的課程不得新增或修改",
                      "Courses starting on or before the freeze date cannot be added or "
                      "changed"),
    "duplicate-in-batch": ("同一批次內重複的資料鍵", "The record key repeats in this batch"),
    "not-a-list": ("欄位應為清單", "The field is a list"),
    "unknown-record": ("查無此筆資料，無法撤回", "No such record to withdraw"),
    "sealed-year": ("該年度資料已封存，不得新增、修改或撤回",
                    "The records of that year are sealed: nothing is added, changed or "
                    "withdrawn"),
    "invalid-row": ("資料列格式不正確", "The row is not an object of fields"),
}


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    code: str

    def as_dict(self, part: str) -> dict[str, object]:
        zh, en = MESSAGES[self.code]
        return {"part": part, "row": self.row, "field": self.field, "code": self.code,
                "message_zh": zh, "message_en": en}
