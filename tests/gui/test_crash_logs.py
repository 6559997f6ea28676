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


def _run(code: str, home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GTE_NOTES_HOME": str(home), "QT_QPA_PLATFORM": "offscreen", **env}
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
        from gte_notes.gui.desktop.crash import ErrorReporter
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


# The app itself, crashed on purpose through its test-only hook (core/files/forced_crash.py).


def _app(tmp_path: Path, crash: str, *argv: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    notes = tmp_path / "notes"
    notes.mkdir(exist_ok=True)
    (notes / "tea.md").write_text("# Tea\n\nGreen tea is steeped briefly.\n", encoding="utf-8")
    home = tmp_path / "home"
    code = f"""
        import sys
        from gte_notes.cli import main
        sys.exit(main({[*argv, str(notes)]!r}))
    """
    env = {"GTE_NOTES_TEST_CRASH": crash, "GTE_NOTES_CONFIG": str(tmp_path / "config")}
    return _run(code, home, **env), home / "logs"


def test_the_cli_killed_by_a_segfault_leaves_its_stack_in_the_crash_file(tmp_path: Path) -> None:
    done, logs = _app(tmp_path, "segv", "status")
    assert done.returncode == -signal.SIGSEGV, done.stderr
    crash = (logs / "crash.log").read_text(encoding="utf-8")
    assert "Fatal Python error: Segmentation fault" in crash
    assert "in crash_if_asked" in crash and "gte_notes/cli.py" in crash and "in main" in crash
    assert "crashing on purpose in gte-notes status" in (logs / "cli.log").read_text(encoding="utf-8")


def test_the_gui_killed_by_a_segfault_leaves_every_threads_stack_in_the_crash_file(tmp_path: Path) -> None:
    done, logs = _app(tmp_path, "segv", "gui")
    assert done.returncode == -signal.SIGSEGV, done.stderr
    crash = (logs / "crash.log").read_text(encoding="utf-8")
    assert "Fatal Python error: Segmentation fault" in crash
    # Its own stack, down to the window's event loop, and the app's other threads too.
    assert "in crash_if_asked" in crash and "gte_notes/gui/window/app.py" in crash and "in run_gui" in crash
    assert crash.count("Thread 0x") >= 1
    assert "crashing on purpose in the GUI's event loop" in (logs / "gui.log").read_text(encoding="utf-8")


def test_a_bug_in_the_running_gui_is_logged_and_its_dialog_names_both_files(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "tea.md").write_text("# Tea\n\nGreen tea is steeped briefly.\n", encoding="utf-8")
    # The real app; the test only reads the dialog's words when it opens, then ends the process.
    done = _run(
        f"""
        import os, sys
        from gte_notes.gui.desktop import crash
        shown = crash.ErrorReporter.show_bug
        def show_bug(self, summary, details):
            shown(self, summary, details)
            print("DIALOG:" + self._dialog.informativeText().replace("\\n", " "), flush=True)
            os._exit(0)
        crash.ErrorReporter.show_bug = show_bug
        from gte_notes.cli import main
        sys.exit(main(["gui", {str(notes)!r}]))
    """,
        tmp_path / "home",
        GTE_NOTES_TEST_CRASH="bug",
        GTE_NOTES_CONFIG=str(tmp_path / "config"),
    )
    assert done.returncode == 0 and "DIALOG:" in done.stdout, done.stderr
    logs = tmp_path / "home" / "logs"
    text = (logs / "gui.log").read_text(encoding="utf-8")
    assert "ForcedBug: GTE_NOTES_TEST_CRASH=bug" in text and "Traceback" in text
    dialog = done.stdout.split("DIALOG:", 1)[1]
    assert str(logs / "gui.log") in dialog and str(logs / "crash.log") in dialog


def test_a_bug_in_the_cli_is_logged_and_its_message_names_the_log(tmp_path: Path) -> None:
    done, logs = _app(tmp_path, "bug", "status")
    assert done.returncode == 1
    said = "this is a bug in gte-notes, not a problem with your notes; the details are also in"
    assert f"{said} {logs / 'cli.log'}" in done.stderr
    text = (logs / "cli.log").read_text(encoding="utf-8")
    assert "ForcedBug: GTE_NOTES_TEST_CRASH=bug: a bug forced on purpose in gte-notes status" in text
    assert "Traceback" in text
