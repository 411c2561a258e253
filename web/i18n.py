"""Languages: zh-TW by default, English by a switch kept in a cookie; every text of the
pages goes through the message catalogue (``web/translations``, msgids in English).

The ``.po`` files are the source; the ``.mo`` files Babel reads are compiled from them
when the app starts (into ``DATA_DIR/web/translations``, rewritten only when a ``.po`` is
newer), so a clean clone needs no build step and no compiled file is committed.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, g, request
from flask_babel import Babel, get_locale, get_translations

LANGUAGES = ("zh_TW", "en")
DEFAULT_LANGUAGE = "zh_TW"
LANGUAGE_COOKIE = "lang"
CATALOGUES = Path(__file__).resolve().parent / "translations"


def select_language() -> str:
    chosen = request.cookies.get(LANGUAGE_COOKIE, "")
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def current_language() -> str:
    """``zh_TW`` or ``en`` (Babel spells the first ``zh_Hant_TW``)."""
    return "zh_TW" if str(get_locale()).startswith("zh") else "en"


def html_lang(language: str) -> str:
    """The ``lang`` attribute of the pages (BCP 47)."""
    return "zh-Hant-TW" if language == "zh_TW" else "en"


def compile_catalogues(target: Path, source: Path = CATALOGUES) -> Path:
    for po_path in source.glob("*/LC_MESSAGES/messages.po"):
        mo_path = target / po_path.relative_to(source).with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        with po_path.open("rb") as handle:
            catalogue = read_po(handle, locale=po_path.parts[-3])
        temporary = mo_path.with_suffix(".mo.tmp")
        with temporary.open("wb") as handle:
            write_mo(handle, catalogue)
        temporary.replace(mo_path)  # whole or not at all: several processes may start at once
    return target


def install_languages(app: Flask, compiled_dir: Path) -> None:
    app.config["BABEL_DEFAULT_LOCALE"] = DEFAULT_LANGUAGE
    app.config["BABEL_DEFAULT_TIMEZONE"] = "Asia/Taipei"
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(compile_catalogues(compiled_dir))
    Babel(app, locale_selector=select_language)
    # Flask-Babel finds the catalogue again for every text (a third of a page's time, with
    # sixty texts on a search page); the templates take it once per request instead.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # jinja2.ext.i18n's
        lambda text: _catalogue().ugettext(text),
        lambda singular, plural, count: _catalogue().ungettext(singular, plural, count),
        newstyle=True)


def _catalogue() -> Any:
    found = g.get("web_translations")
    if found is None:
        found = g.web_translations = get_translations()
    return found
