"""Opening a note in the user's editor: their command with {path} and {line}, else the system default.

A command with shell syntax (`>>`, a pipe, `&&`, `$VAR`) runs through `sh -c`, as the Settings hint
says; any other runs directly. It runs on a thread of its own, never the GUI thread, and one that
fails at once (a typo, a missing program, a non-zero exit within a few seconds) reports what it
printed, instead of failing silently.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

from gte_notes.core import KnownError
from gte_notes.gui.desktop.tasks import NewThread, Task

SHELL_SYNTAX = re.compile(r"[|&;<>`$]")
# "Open notes with" set to this opens notes in Obsidian (offered in Settings when the folder is a vault).
OBSIDIAN = "obsidian"
ERROR_WINDOW_S = 3.0  # an editor that is still running after this long has started fine


def editor_args(command: str, path: Path, line: int) -> list[str]:
    """The argument list for `command`. Split before substituting, so spaces in paths need no quoting;
    a command without {path} gets the path appended."""
    args = shlex.split(command)
    if not any("{path}" in a for a in args):
        args.append("{path}")
    return [a.replace("{path}", str(path)).replace("{line}", str(max(line, 1))) for a in args]


def command_line(command: str, path: Path, line: int) -> list[str]:
    """What is run: `sh -c` with the path quoted for a command with shell syntax, else its arguments."""
    if not SHELL_SYNTAX.search(command):
        return editor_args(command, path, line)
    script = command if "{path}" in command else f"{command} {{path}}"
    script = script.replace("{path}", shlex.quote(str(path))).replace("{line}", str(max(line, 1)))
    return ["/bin/sh", "-c", script]


def run_editor(command: str, path: Path, line: int) -> None:
    """Start the command and wait a moment for an early failure (a worker's job: it blocks)."""
    try:
        args = command_line(command, path, line)
    except ValueError as err:
        raise KnownError(f"The editor command in Settings cannot be read ({err}).") from None
    try:
        proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as err:
        raise KnownError(
            f"Could not start “{args[0]}” to open the note ({err.strerror}). "
            "Check the editor command in Settings."
        ) from None
    try:
        _, err_out = proc.communicate(timeout=ERROR_WINDOW_S)
    except subprocess.TimeoutExpired:
        # Still running: an editor window. Keep draining its messages so it never blocks on them.
        threading.Thread(target=proc.communicate, daemon=True, name="gte-notes editor").start()
        return
    if proc.returncode != 0:
        said = err_out.decode("utf-8", "replace").strip().splitlines()
        detail = f": {said[-1][:300]}" if said else ""
        raise KnownError(
            f"The editor command failed (exit status {proc.returncode}){detail}. "
            "Check “Open notes with” in Settings."
        )


def obsidian_vault(path: Path) -> Path | None:
    """The Obsidian vault holding `path`: the nearest folder above it with a `.obsidian` folder."""
    for folder in path.parents:
        if (folder / ".obsidian").is_dir():
            return folder
    return None


def obsidian_url(path: Path) -> QUrl:
    """obsidian://open?vault=NAME&file=PATH for a note inside a vault (PATH from the vault, no .md)."""
    vault = obsidian_vault(path)
    if vault is None:
        raise KnownError(
            f"{path.name} is not inside an Obsidian vault (no .obsidian folder above it). "
            "Choose another way to open notes in Settings."
        )
    rel = path.relative_to(vault).as_posix()
    if rel.lower().endswith(".md"):
        rel = rel[:-3]
    return QUrl(f"obsidian://open?vault={quote(vault.name, safe='')}&file={quote(rel, safe='')}")


def open_note(
    path: Path,
    line: int,
    command: str = "",
    on_error: Callable[[BaseException], None] | None = None,
    on_done: Callable[[object], None] | None = None,
) -> bool:
    """Open the note; a failure that shows at once raises KnownError, a later one goes to `on_error`.
    True when it is open now; False when the editor command is still starting (`on_done` follows)."""
    if not path.is_file():
        # Handed a missing path, most editors create an empty file there: the notes folder is never
        # written to.
        raise KnownError(
            f"{path.name} is no longer in the notes folder (deleted or renamed); nothing was opened."
        )
    if command.strip().lower() == OBSIDIAN:
        if not QDesktopServices.openUrl(obsidian_url(path)):
            raise KnownError(
                "Obsidian could not be started to open the note (is it installed?). "
                "Choose another way to open notes in Settings."
            )
        return True
    if not command.strip():
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            raise KnownError(
                f"No application is set up to open {path.name}. Set an editor command in Settings."
            )
        return True
    task = Task(run_editor, command, path, line)
    if on_error is not None:
        task.on_error(on_error)
    if on_done is not None:
        task.on_done(on_done)
    task.start(NewThread())
    return False
