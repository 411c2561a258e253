"""What production refuses to start without, and how the embedded default keeps the
secrets it makes (R-OPS-3). A failure names the setting or the file that was trusted."""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from gateway.app import create_app as create_gateway
from servicekit.settings import SERVICES, InvalidSetting, MissingSetting, Settings

TOKENS = {"TOKEN_ISSUER": "https://inservice.example.org",
          "JWKS_URL": "http://sso-web:8103/jwks.json"}


def production(**environ: str) -> dict[str, str]:
    return {"MODE": "production", "DATABASE_URL": "sqlite://", **environ}


@pytest.mark.parametrize("service", [*SERVICES, "gateway"])
@pytest.mark.parametrize("missing, named", [
    (("TOKEN_ISSUER",), "TOKEN_ISSUER is required"),
    (("JWKS_URL",), "JWKS_URL is required"),
    (("TOKEN_ISSUER", "JWKS_URL"), "TOKEN_ISSUER and JWKS_URL are required"),
])
def test_production_refuses_to_start_without_the_token_settings(service, missing, named):
    given = {name: value for name, value in TOKENS.items() if name not in missing}
    for blank in ("", "   "):  # an empty value is no value
        environ = production(**given, **dict.fromkeys(missing, blank))
        with pytest.raises(MissingSetting) as refused:
            Settings.from_env(service, environ)
        assert named in str(refused.value) and "production" in str(refused.value)
    assert Settings.from_env(service, production(**TOKENS)).mode == "production"


def test_the_gateway_refuses_too_and_a_prefixed_name_counts():
    with pytest.raises(MissingSetting, match="JWKS_URL is required"):
        create_gateway(Settings.from_env("gateway", production(
            TOKEN_ISSUER=TOKENS["TOKEN_ISSUER"])))
    prefixed = production(COURSES_TOKEN_ISSUER=TOKENS["TOKEN_ISSUER"],
                          COURSES_JWKS_URL=TOKENS["JWKS_URL"])
    assert Settings.from_env("courses", prefixed).jwks_url == TOKENS["JWKS_URL"]


def test_the_embedded_default_keeps_its_defaults():
    settings = Settings.from_env("courses", {"DATA_DIR": "/nonexistent"})
    assert settings.token_issuer == "http://127.0.0.1:8080"
    assert settings.jwks_url == "http://127.0.0.1:8103/jwks.json"


# --- the embedded default's own secrets ------------------------------------------------

def embedded(tmp_path) -> Settings:
    return Settings.from_env("sso", {"DATA_DIR": str(tmp_path)})


def secret_file(tmp_path, name: str = "form_key"):
    return tmp_path / "secrets" / "sso" / name


def test_a_made_secret_is_kept_0600_and_read_again(tmp_path):
    first = embedded(tmp_path).secret("FORM_KEY")
    assert len(first) >= 60
    path = secret_file(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert embedded(tmp_path).secret("FORM_KEY") == first
    assert [entry.name for entry in path.parent.iterdir()] == ["form_key"], "a temporary was left"


@pytest.mark.parametrize("content", ["", "\n", "   \n\t"])
def test_an_empty_secret_file_is_refused_naming_the_file(tmp_path, content):
    """What a crash between creating and writing the file left with the old code: it was
    read as the secret "" and trusted."""
    path = secret_file(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text(content)
    with pytest.raises(InvalidSetting) as refused:
        embedded(tmp_path).secret("FORM_KEY")
    assert str(path) in str(refused.value) and "empty" in str(refused.value)
    assert path.read_text() == content, "the file was changed behind the operator's back"


def test_a_crash_before_the_rename_leaves_nothing_that_is_later_trusted(tmp_path, monkeypatch):
    """The process dies after writing the temporary file, before it takes its name: the
    next start finds no secret, makes a whole new one, and never reads a partial one."""
    class Crash(BaseException):
        pass

    def die(*_args, **_kwargs):
        raise Crash

    written: list[str] = []
    real_fsync = os.fsync

    def watching_fsync(fd: int) -> None:  # the temporary is whole on disk before its name
        written.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", watching_fsync)
    monkeypatch.setattr(os, "link", die)
    monkeypatch.setattr(os, "replace", die)
    monkeypatch.setattr(os, "rename", die)
    with pytest.raises(Crash):
        embedded(tmp_path).secret("FORM_KEY")
    assert not secret_file(tmp_path).exists(), "a secret took its name before it was whole"
    assert written and ".tmp" in written[0]
    monkeypatch.undo()

    again = embedded(tmp_path).secret("FORM_KEY")
    assert len(again) >= 60
    assert secret_file(tmp_path).read_text() == again


def test_the_temporary_file_is_0600_from_its_creation(tmp_path, monkeypatch):
    """Never a moment when another user could read it: the mode is given to open()."""
    modes: list[int] = []
    real_open = os.open

    def watching_open(path, flags, mode=0o777, *args, **kwargs):
        if str(path).endswith(".tmp"):
            modes.append(mode)
        return real_open(path, flags, mode, *args, **kwargs)

    monkeypatch.setattr(os, "open", watching_open)
    embedded(tmp_path).secret("PAIRWISE_KEY")
    assert modes == [0o600]


def test_two_processes_making_the_same_secret_agree(tmp_path, monkeypatch):
    """The second to finish keeps the first one's secret: someone may already use it."""
    made_first = embedded(tmp_path).secret("FORM_KEY")
    monkeypatch.setattr(Path, "exists", lambda _self: False)  # raced: both saw no file
    assert embedded(tmp_path).secret("FORM_KEY") == made_first
