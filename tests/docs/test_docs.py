"""The documentation that is made from the code is current (docs/events.md), and the
README keeps the two set-up commands first."""
from pathlib import Path

from launcher.catalogue import render

ROOT = Path(__file__).resolve().parents[2]


def test_the_event_catalogue_is_current() -> None:
    assert (ROOT / "docs/events.md").read_text() == render(), (
        "regenerate: python -m launcher.catalogue > docs/events.md")


def test_the_readme_starts_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    first_block = readme.split("```sh", 1)[1].split("```", 1)[0]
    assert "make up" in first_block and "make test" in first_block
