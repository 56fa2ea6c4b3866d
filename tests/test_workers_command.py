"""``smebot run --workers N``: what the operator is told, and how updates are shared out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app import cli
from app.workers import worker_of, worker_settings
from bot.config import Settings
from telegram_io.offline import UpdateFactory
from tests.harness import telegram_user


def _encoded(payload: dict) -> bytes:
    return json.dumps(payload).encode()


TOKEN = "123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz"


@pytest.fixture
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("DATABASE_URL", "WEBHOOK_URL", "WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "bot.db"))
    return tmp_path


def test_several_workers_on_sqlite_are_refused_in_one_line(
    environment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["run", "--workers", "2"]) == cli.EXIT_USAGE
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert "--workers 2 needs PostgreSQL (DATABASE_URL=postgresql://...)" in error
    assert not (environment / "bot.db").exists()  # nothing was started


def test_several_workers_need_webhook_mode(
    environment: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://bot@127.0.0.1:1/teman")
    assert cli.main(["run", "--workers", "3"]) == cli.EXIT_USAGE
    assert "needs webhook mode (WEBHOOK_URL)" in capsys.readouterr().err


@pytest.mark.parametrize("count", ["0", "-1", "many"])
def test_a_worker_count_must_be_a_positive_number(
    environment: Path, count: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        cli.main(["run", "--workers", count])
    assert "is not a number of workers" in capsys.readouterr().err


def test_each_users_updates_go_to_one_worker_whatever_they_are() -> None:
    updates = UpdateFactory()
    user = telegram_user(1_000_003, "en")
    message = updates.message(user, "/start")
    press = updates.callback(user, "menu", message["message"])
    for payload in (message, press):
        assert worker_of(_encoded(payload), 4) == 1_000_003 % 4
    assert worker_of(b"not json", 4) == 0  # the worker answers it (400), as one process would
    others = {
        worker_of(json.dumps(updates.message(telegram_user(n), "hi")).encode(), 4)
        for n in range(1, 9)
    }
    assert others == {0, 1, 2, 3}


def test_each_worker_has_its_own_name() -> None:
    names = {worker_settings(Settings(), index).worker_name for index in range(3)}
    assert len(names) == 3 and all(name.endswith((":0", ":1", ":2")) for name in names)
