"""``./dev`` as a newcomer and CI run it, with a stand-in Python that records what it is asked to do."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Stands in for both `python3` (creating the venv) and `.venv/bin/python` (pip, pytest): it logs its
# arguments, and `-m venv DIR` copies itself to DIR/bin/python the way a real venv would appear.
FAKE_PYTHON = """#!/bin/sh
echo "$*" >> "$FAKE_LOG"
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then
    mkdir -p "$3/bin" && cp "$0" "$3/bin/python"
fi
"""


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of the script and the files it looks at, so the real .venv is never touched."""
    if shutil.which("sh") is None:
        pytest.skip("no POSIX sh on this machine")
    root = tmp_path / "checkout"
    root.mkdir()
    for name in ("dev", "pyproject.toml", ".env.example"):
        shutil.copy2(ROOT / name, root / name)
    fake = tmp_path / "python3"
    fake.write_text(FAKE_PYTHON, encoding="utf-8")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    return root


def dev(checkout: Path, *argv: str, extras: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NEWSDESK_EXTRAS", "NEWSDESK_VENV", "PYTHON")}
    env.update(PYTHON=str(checkout.parent / "python3"), FAKE_LOG=str(checkout.parent / "log"))
    if extras is not None:
        env["NEWSDESK_EXTRAS"] = extras
    return subprocess.run(
        ["sh", str(checkout / "dev"), *argv], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def calls(checkout: Path) -> list[str]:
    log = checkout.parent / "log"
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


def installs(checkout: Path) -> list[str]:
    return [
        call.rsplit(" ", 1)[-1] for call in calls(checkout) if call.startswith("-m pip install --quiet -e")
    ]


def test_unknown_task_says_so_and_exits_2(checkout: Path) -> None:
    done = dev(checkout, "tset")
    assert done.returncode == 2
    assert done.stderr.splitlines()[0] == "./dev: unknown task 'tset'"
    assert calls(checkout) == []  # nothing installed for a typo


def test_help_lists_the_tasks_and_not_the_script_itself(checkout: Path) -> None:
    done = dev(checkout, "help")
    assert done.returncode == 0
    assert "./dev test" in done.stdout and "NEWSDESK_EXTRAS" in done.stdout
    assert "set -eu" not in done.stdout and "#" not in done.stdout


def test_first_run_says_it_is_installing(checkout: Path) -> None:
    done = dev(checkout, "test", "-q")
    assert done.returncode == 0, done.stderr
    assert "First run" in done.stdout and "installing" in done.stdout
    assert installs(checkout) == [".[dev]"]
    assert calls(checkout)[-1] == "-m pytest -q"


def test_extras_are_added_to_dev_and_a_changed_set_reinstalls(checkout: Path) -> None:
    assert dev(checkout, "test", extras="semantic").returncode == 0
    assert installs(checkout) == [".[dev,semantic]"]
    again = dev(checkout, "test", extras=" semantic , dev")
    assert again.returncode == 0 and "Installing" not in again.stdout
    assert installs(checkout) == [".[dev,semantic]"]  # the same set, spelt differently: no second install
    done = dev(checkout, "test")
    assert "Installing" in done.stdout
    assert installs(checkout) == [".[dev,semantic]", ".[dev]"]  # the set changed back: reinstalled
