"""Start the desktop app: `gte-notes gui [FOLDER] [--query TEXT] [--screenshot FILE.png]`, or `gte-notes`."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from pathlib import Path
from typing import NoReturn

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from gte_notes.core import Settings, crash_asked, crash_if_asked, start_logging, stay_offline
from gte_notes.gui.desktop.crash import ErrorReporter
from gte_notes.gui.desktop.system_libs import display_problem, xcb_problem
from gte_notes.gui.desktop.theme import follow_system
from gte_notes.gui.engine.bridge import EngineBridge
from gte_notes.gui.window.main_window import MainWindow

# In the source tree and in the PyInstaller bundle alike, resources/ sits beside the gte_notes package.
RESOURCES = Path(__file__).resolve().parents[3] / "resources"
SCREENSHOT_SIZE = (1360, 860)


def app_icon() -> QIcon:
    icon = QIcon()
    for name in ("gte-notes.svg", "gte-notes.png"):
        path = RESOURCES / name
        if path.is_file():
            icon.addFile(str(path))
    return icon if not icon.isNull() else QIcon.fromTheme("gte-notes")


def tune_interpreter() -> None:
    """The GUI thread shares the GIL with the indexer, the embedder's Python side and the searches.
    Python hands the GIL to a waiting thread only every switch interval (5 ms by default), so with
    several busy threads a keystroke or a repaint waits in line; 1 ms keeps that wait short, at the
    cost of more frequent switches between the workers (tests/bench/gui_latency.py measures both)."""
    sys.setswitchinterval(0.001)


def make_app() -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    app.setApplicationName("gte-notes")
    app.setApplicationDisplayName("gte-notes")
    app.setOrganizationName("gte-notes")
    app.setDesktopFileName("gte-notes")
    app.setWindowIcon(app_icon())
    follow_system(app)
    return app


def run_gui(args: argparse.Namespace, settings: Settings) -> NoReturn:
    stay_offline()  # before anything imports the model stack: see core/offline.py
    problem = (display_problem() or xcb_problem()) if QApplication.instance() is None else ""
    if problem:  # instead of Qt's own abort, which says neither what is missing nor what to do
        print(problem, file=sys.stderr)
        raise SystemExit(1)
    start_logging("gui", getattr(args, "data_dir", None))
    app = make_app()
    tune_interpreter()
    reporter = ErrorReporter()
    reporter.install()
    screenshot = getattr(args, "screenshot", None)
    query = getattr(args, "query", None) or ""
    folder = getattr(args, "folder", None)
    folder = os.path.abspath(os.path.expanduser(folder)) if folder else None
    if folder and not screenshot and folder not in settings.folders[:1]:
        # A folder named on the command line becomes the one plain `gte-notes` opens next time.
        settings.folders = [folder] + [f for f in settings.folders if f != folder]
        settings.save()
    # --dims and --passage-tokens act as the Settings fields of the same name (saved with them if edited).
    for field in ("dims", "passage_tokens"):
        if getattr(args, field, None) is not None:
            setattr(settings, field, getattr(args, field))
    bridge = EngineBridge(
        settings,
        home=getattr(args, "data_dir", None),
        model=getattr(args, "model", None),
        precision=getattr(args, "precision", None),
    )
    # A screenshot must not depend on (or change) the user's saved window layout.
    window = MainWindow(bridge, settings, reporter=reporter, persist=not screenshot)
    controller = None
    if screenshot:
        from gte_notes.gui.window.screenshot import ScreenshotController

        if not folder and not settings.folders:
            print("gte-notes: --screenshot needs a notes folder", file=sys.stderr)
            return 2
        window.resize(*SCREENSHOT_SIZE)
        window.hsplit.setSizes([600, SCREENSHOT_SIZE[0] - 600])
        window.vsplit.setSizes([430, 340])
        controller = ScreenshotController(window, os.path.abspath(screenshot), query)
    window.show()
    window.start(folder, query)
    if crash_asked():  # test-only (core/files/forced_crash.py): crash once the window is running
        QTimer.singleShot(0, lambda: crash_if_asked("the GUI's event loop"))
    try:
        code = app.exec()
    finally:
        reporter.uninstall()
    finish_process(controller.exit_code if controller is not None else int(code))


def finish_process(code: int) -> NoReturn:
    """End the process now that the window has closed and the bridge has shut down.

    Settings and window state are already synced to disk, and every index write is a committed SQLite
    transaction or none. The interpreter's own teardown would wait for pool threads still inside a read
    and take a second or more to unload torch, so the app exits directly instead."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    logging.shutdown()
    os._exit(code)
