"""With no display (ssh, a server) the desktop app says what is wrong and what to do, instead of Qt's abort
(exit 134 and a core dump, with a hint naming an xcb library that is installed)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gte_notes.gui.desktop.system_libs import display_problem
from tests.conftest import REPO_ROOT


@pytest.mark.parametrize("argv", [[], ["gui"]])
def test_no_display_exits_1_with_what_to_do(tmp_path: Path, argv: list[str]) -> None:
    # A scrubbed environment: no DISPLAY, WAYLAND_DISPLAY or QT_QPA_PLATFORM, as in an ssh session.
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path / "home"),
        "GTE_NOTES_CONFIG": str(tmp_path / "config"),
        "GTE_NOTES_HOME": str(tmp_path / "data"),
        "XDG_RUNTIME_DIR": str(tmp_path),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    done = subprocess.run(
        [sys.executable, "-m", "gte_notes", *argv],
        check=False,
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, done.stderr
    assert "no display" in done.stderr
    assert "gte-notes index|search|related|watch" in done.stderr
    assert "QT_QPA_PLATFORM=offscreen" in done.stderr
    assert "qt.qpa" not in done.stderr and "Aborted" not in done.stderr  # Qt never started


def test_a_display_or_a_platform_without_one_is_no_problem() -> None:
    assert display_problem({}, platform="linux") != ""
    assert display_problem({"DISPLAY": ":0"}, platform="linux") == ""
    assert display_problem({"WAYLAND_DISPLAY": "wayland-0"}, platform="linux") == ""
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, platform="linux") == ""
    # Asked for X11 explicitly, with only a Wayland display: Qt would abort too.
    assert display_problem({"QT_QPA_PLATFORM": "xcb", "WAYLAND_DISPLAY": "wayland-0"}, platform="linux") != ""
    assert display_problem({"QT_QPA_PLATFORM": "wayland;xcb", "DISPLAY": ":0"}, platform="linux") == ""
    assert display_problem({}, platform="darwin") == ""  # macOS and Windows always have their own
