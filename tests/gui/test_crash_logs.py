"""A bug or a hard crash leaves its details in files the user can find: a menu launch has no terminal.

Each case runs in a child process of its own, since logging and faulthandler are set up once per process
and a forced segfault ends the process."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _run(code: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GTE_NOTES_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        check=False,
        cwd=REPO,
        env=env,
        text=True,
        capture_output=True,
        timeout=120,
    )


def test_a_bug_on_a_worker_thread_is_logged_and_the_dialog_names_the_files(tmp_path: Path) -> None:
    done = _run(
        """
        import threading
        from PySide6.QtWidgets import QApplication
        from gte_notes.core.files.logs import start_logging
        from gte_notes.gui.crash import ErrorReporter
        files = start_logging("gui")
        app = QApplication([])
        reporter = ErrorReporter()
        reporter.install()
        def work():
            raise ZeroDivisionError("forced for the test")
        t = threading.Thread(target=work)
        t.start(); t.join()
        for _ in range(50):
            app.processEvents()
            if reporter._dialog is not None:
                break
        print("DIALOG:" + reporter._dialog.informativeText().replace("\\n", " "))
    """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    logs = tmp_path / "logs"
    text = (logs / "gui.log").read_text(encoding="utf-8")
    assert "ZeroDivisionError: forced for the test" in text and "Traceback" in text
    dialog = done.stdout.split("DIALOG:", 1)[1]
    assert str(logs / "gui.log") in dialog and str(logs / "crash.log") in dialog
    # The log can quote notes: owner-only, as the index is.
    assert stat.S_IMODE(logs.stat().st_mode) == 0o700
    assert stat.S_IMODE((logs / "gui.log").stat().st_mode) == 0o600


def test_a_hard_crash_leaves_its_stacks_in_the_crash_file(tmp_path: Path) -> None:
    done = _run(
        """
        import faulthandler, logging
        from gte_notes.core.files.logs import start_logging
        start_logging("cli")
        logging.getLogger("gte_notes.test").warning("about to crash")
        faulthandler._sigsegv()
    """,
        tmp_path,
    )
    assert done.returncode == -signal.SIGSEGV
    crash = (tmp_path / "logs" / "crash.log").read_text(encoding="utf-8")
    assert "Fatal Python error: Segmentation fault" in crash and "<string>" in crash
    assert "about to crash" in (tmp_path / "logs" / "cli.log").read_text(encoding="utf-8")
    assert "about to crash" in done.stderr  # warnings still reach a terminal


def test_an_unwritable_data_dir_does_not_stop_the_app(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    done = _run(
        """
        from gte_notes.core.files.logs import start_logging
        print("FILES:", start_logging("gui"))
    """,
        blocker,
    )
    assert done.returncode == 0 and "FILES: None" in done.stdout
    assert "no log file" in done.stderr
