"""Setting the desk up: its settings, ``smebot web``'s refusals, ``/web`` without a URL, and
static guards on the templates."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import cli
from bot.config import ConfigError, from_mapping
from tests.desk_helpers import STAFF
from tests.harness import Harness

TEMPLATES = Path(__file__).resolve().parents[2] / "web" / "templates"


def test_web_settings_are_checked() -> None:
    settings = from_mapping(
        {"WEB_SECRET_KEY": "k" * 32, "WEB_BASE_URL": "https://desk.example.go.id/"}
    )
    assert settings.web_base_url == "https://desk.example.go.id"
    with pytest.raises(ConfigError, match="WEB_SECRET_KEY"):
        from_mapping({"WEB_SECRET_KEY": "too-short"})
    with pytest.raises(ConfigError, match="WEB_BASE_URL"):
        from_mapping({"WEB_BASE_URL": "desk.example.go.id"})
    assert "k" * 32 not in repr(settings)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TELEGRAM_BOT_TOKEN": "1:abc"}, "WEB_SECRET_KEY is not set"),
        ({"WEB_SECRET_KEY": "k" * 32}, "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_BOT_TOKEN": "1:abc", "WEB_SECRET_KEY": "short"}, "at least 32"),
    ],
)
def test_smebot_web_refuses_to_start_without_its_settings(
    env: dict[str, str],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env
    for name in ("TELEGRAM_BOT_TOKEN", "WEB_SECRET_KEY", "WEB_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as stopped:
        raise SystemExit(cli.main(["web"]))
    assert stopped.value.code == cli.EXIT_USAGE
    error = capsys.readouterr().err
    assert message in error and len(error.strip().splitlines()) == 1


async def test_the_web_command_says_when_the_desk_is_not_set_up(harness: Harness) -> None:
    await harness.send(STAFF, "/start")
    calls = await harness.send(STAFF, "/web")
    assert "WEB_BASE_URL" in str(calls[-1].params["text"])


def test_no_template_marks_text_safe_or_turns_autoescape_off() -> None:
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert "|safe" not in text.replace(" ", ""), template.name
        assert "autoescape false" not in text, template.name
