"""Demo data for the embedded default (``make up``): a few real-looking units, registered
through the same use case as any other, so their events reach the other services."""
from servicekit.service import Runtime
from services.accounts.handlers.units import find_unit, register_unit

DEMO_UNITS = (
    ("353301", "臺北市立建國高級中學", "senior_high_school", "TPE"),
    ("193601", "臺中市立臺中第一高級中等學校", "senior_high_school", "TXG"),
    ("213502", "臺南市東區勝利國民小學", "elementary_school", "TNN"),
    ("NTNU", "國立臺灣師範大學", "teacher_education_university", "K12EA"),
    ("TPE-TSC", "臺北市教師研習中心", "county_teacher_study_centre", "TPE"),
)


def seed_demo(runtime: Runtime) -> None:
    for code, name, unit_type, authority in DEMO_UNITS:
        if find_unit(runtime, code) is None:
            register_unit(runtime, code, name, unit_type, authority)
