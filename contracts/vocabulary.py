"""Shared code lists. Values are stable identifiers that travel in events and files;
labels shown to people live with the services that show them."""

# R-ORG-2: unit types.
UNIT_TYPES = (
    "kindergarten", "elementary_school", "junior_high_school", "senior_high_school",
    "vocational_high_school", "special_education_school", "complete_high_school",
    "teacher_education_university", "university", "county_teacher_study_centre",
    "legal_entity", "overseas_school", "subject_centre", "government_agency", "civic_group",
)

# R-ORG-1: the 22 counties and cities (ISO 3166-2:TW codes) with their education bureaus,
# in the order of the seed's table, then the K-12 Education Administration and the network
# itself (for national-level units).
COUNTIES = {
    "NWT": "新北市", "TPE": "臺北市", "TAO": "桃園市", "TXG": "臺中市", "TNN": "臺南市",
    "KHH": "高雄市", "ILA": "宜蘭縣", "HSQ": "新竹縣", "MIA": "苗栗縣", "CHA": "彰化縣",
    "NAN": "南投縣", "YUN": "雲林縣", "CYQ": "嘉義縣", "PIF": "屏東縣", "TTT": "臺東縣",
    "HUA": "花蓮縣", "PEN": "澎湖縣", "KEE": "基隆市", "HSZ": "新竹市", "CYI": "嘉義市",
    "KIN": "金門縣", "LIE": "連江縣",
}
K12_ADMINISTRATION = "K12EA"
NETWORK = "NETWORK"
AUTHORITY_CODES = (*COUNTIES, K12_ADMINISTRATION, NETWORK)

# Roles a token can carry (claims `roles`); scope travels as `unit` / `authority`.
ROLES = ("teacher", "business", "reviewer", "operator", "viewer", "admin")

ACCOUNT_KINDS = ("teacher", "business", "staff")  # staff: reviewers, operators, viewers
ACCOUNT_STATUSES = ("pending", "enabled", "disabled")
