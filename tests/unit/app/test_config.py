"""Configuration from the environment and the instance folder defaults."""

from __future__ import annotations

from pathlib import Path

from app import create_app
from app.config import fill_instance_defaults, from_environment


def test_environment_overrides_defaults() -> None:
    config = from_environment(
        {
            "RTC_DATABASE_URL": "postgresql+psycopg://db/rtc",
            "RTC_PUBLIC_BASE_URL": "https://rtc.example.cn",
            "RTC_JWKS_MAX_AGE": "60",
            "RTC_LOG_JSON": "no",
        }
    )
    assert config["DATABASE_URL"] == "postgresql+psycopg://db/rtc"
    assert config["PUBLIC_BASE_URL"] == "https://rtc.example.cn"
    assert config["JWKS_MAX_AGE"] == 60
    assert config["LOG_JSON"] is False
    assert config["BABEL_DEFAULT_LOCALE"] == "zh_CN"


def test_instance_defaults_and_persistent_secret(tmp_path: Path) -> None:
    config = from_environment({})
    fill_instance_defaults(config, tmp_path)
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'rtc.sqlite3'}"
    assert config["KEYS_DIR"] == str(tmp_path / "keys")
    assert len(config["SECRET_KEY"]) > 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    again = from_environment({})
    fill_instance_defaults(again, tmp_path)
    assert again["SECRET_KEY"] == config["SECRET_KEY"]


def test_instance_path_from_environment(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("RTC_INSTANCE_PATH", str(tmp_path / "inst"))
    app = create_app({"TESTING": True})
    assert app.instance_path == str(tmp_path / "inst")
    assert app.config["DATABASE_URL"].endswith("inst/rtc.sqlite3")
