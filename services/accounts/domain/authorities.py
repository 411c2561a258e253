"""Supervising authorities (R-ORG-1): the 22 counties' and cities' education bureaus, the
K-12 Education Administration, and the network itself for national-level units.

Names as in the 2017 minutes' table of education bureaus (序號 01–23), in its order; the
minutes write 臺北市府教育局, the bureau's name is 臺北市政府教育局. Migrations seed these rows
in every mode; they are reference data, not demo data."""
from __future__ import annotations

from dataclasses import dataclass

from contracts.vocabulary import COUNTIES, K12_ADMINISTRATION, NETWORK

COUNTY, K12, NATIONAL = "county", "k12_administration", "network"


@dataclass(frozen=True)
class Authority:
    code: str
    name: str
    county_code: str | None
    kind: str
    position: int
    version: int = 1


_BUREAUS = {
    "NWT": "新北市政府教育局", "TPE": "臺北市政府教育局", "TAO": "桃園市政府教育局",
    "TXG": "臺中市政府教育局", "TNN": "臺南市政府教育局", "KHH": "高雄市政府教育局",
    "ILA": "宜蘭縣政府教育處", "HSQ": "新竹縣政府教育處", "MIA": "苗栗縣政府教育處",
    "CHA": "彰化縣政府教育處", "NAN": "南投縣政府教育處", "YUN": "雲林縣政府教育處",
    "CYQ": "嘉義縣政府教育處", "PIF": "屏東縣政府教育處", "TTT": "臺東縣政府教育處",
    "HUA": "花蓮縣政府教育處", "PEN": "澎湖縣政府教育處", "KEE": "基隆市政府教育處",
    "HSZ": "新竹市政府教育處", "CYI": "嘉義市政府教育處", "KIN": "金門縣政府教育局",
    "LIE": "連江縣政府教育處",
}
assert tuple(_BUREAUS) == tuple(COUNTIES), "the bureaus follow the vocabulary's counties"

AUTHORITIES: tuple[Authority, ...] = (
    *(Authority(code, name, code, COUNTY, position)
      for position, (code, name) in enumerate(_BUREAUS.items(), 1)),
    Authority(K12_ADMINISTRATION, "教育部國民及學前教育署", None, K12, 23),
    Authority(NETWORK, "全國教師在職進修資訊網", None, NATIONAL, 24),
)
