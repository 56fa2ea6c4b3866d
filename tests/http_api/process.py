"""The real ``smebot`` as a subprocess, with everything it prints captured to one file.

Tests and the benchmark start the installed console script, not an in-process Application, so
start-up, signal handling, logging set-up and the HTTP client are the ones that ship.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

STOP_TIMEOUT = 20.0
"""Seconds a bot gets to finish after SIGTERM before the test calls it hung."""

CONFIG_VARIABLES = (
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_API_URL",
    "DATABASE_PATH",
    "DATABASE_URL",
    "STAFF_IDS",
    "STAFF_CHAT_ID",
    "DEFAULT_LOCALE",
    "WEBHOOK_URL",
    "WEBHOOK_SECRET",
    "WEBHOOK_LISTEN",
    "PORT",
    "LOG_LEVEL",
)
"""Removed from the inherited environment: a developer's own settings must not leak in."""


def smebot_command() -> list[str]:
    """The installed console script next to this interpreter, else ``python -m app``."""
    script = Path(sys.executable).with_name("smebot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "app"]


def environment(
    api_url: str,
    token: str,
    database: Path,
    *,
    staff_ids: Sequence[int] = (),
    log_level: str = "INFO",
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in CONFIG_VARIABLES}
    env.update(
        TELEGRAM_BOT_TOKEN=token,
        TELEGRAM_API_URL=api_url,
        DATABASE_PATH=str(database),
        STAFF_IDS=",".join(str(staff) for staff in staff_ids),
        LOG_LEVEL=log_level,
        PYTHONUNBUFFERED="1",
    )
    env.update(extra or {})
    return env


def _clock_ticks() -> int:
    return os.sysconf("SC_CLK_TCK")


@dataclass
class BotProcess:
    popen: subprocess.Popen[bytes]
    log_path: Path
    started_at: float

    @classmethod
    def start(
        cls,
        workdir: Path,
        env: Mapping[str, str],
        args: Sequence[str] = ("run",),
        command: Sequence[str] | None = None,
    ) -> BotProcess:
        """Run ``smebot <args>`` (or ``command``) in ``workdir``, so no stray ``.env`` is read."""
        workdir.mkdir(parents=True, exist_ok=True)
        log_path = workdir / f"smebot-{time.monotonic_ns()}.log"
        with log_path.open("wb") as log:
            popen = subprocess.Popen(
                list(command) if command else [*smebot_command(), *args],
                cwd=workdir,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return cls(popen, log_path, time.monotonic())

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None

    def logs(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def log_lines(self, fragment: str) -> list[str]:
        return [line for line in self.logs().splitlines() if fragment in line]

    def terminate(self, timeout: float = STOP_TIMEOUT) -> int:
        """SIGTERM, as systemd or Docker stop a service; returns the exit code."""
        if self.alive:
            self.popen.send_signal(signal.SIGTERM)
        return self.popen.wait(timeout)

    def kill(self) -> int:
        """SIGKILL: no clean-up of any kind, as in a crash or an OOM kill."""
        if self.alive:
            self.popen.kill()
        return self.popen.wait(STOP_TIMEOUT)

    def cpu_seconds(self) -> float:
        """User + system CPU time the process has used so far (Linux ``/proc``)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        utime, stime = int(fields[11]), int(fields[12])
        return (utime + stime) / _clock_ticks()

    def rss_kib(self) -> int:
        """Resident memory in KiB (``VmRSS`` in ``/proc/<pid>/status``)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS line")

    def ensure_stopped(self) -> None:
        """Test teardown: never leave a bot running, whatever the test did."""
        if self.alive:
            self.popen.kill()
            self.popen.wait(STOP_TIMEOUT)
