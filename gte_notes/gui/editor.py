"""Opening a note in the user's editor: their command with {path} and {line}, else the system default."""

from __future__ import annotations

import shlex
from pathlib import Path

from PySide6.QtCore import QProcess, QUrl
from PySide6.QtGui import QDesktopServices

from gte_notes.core.errors import KnownError


def editor_args(command: str, path: Path, line: int) -> list[str]:
    """The argument list for `command`. Split before substituting, so spaces in paths need no quoting;
    a command without {path} gets the path appended."""
    args = shlex.split(command)
    if not any("{path}" in a for a in args):
        args.append("{path}")
    return [a.replace("{path}", str(path)).replace("{line}", str(max(line, 1))) for a in args]


def open_note(path: Path, line: int, command: str = "") -> None:
    """Raises KnownError when nothing could be started, with what to change."""
    if not command.strip():
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            raise KnownError(f"No application is set up to open {path.name}. "
                             "Set an editor command in Settings.")
        return
    try:
        args = editor_args(command, path, line)
    except ValueError as err:
        raise KnownError(f"The editor command in Settings cannot be read ({err}).") from None
    started = QProcess.startDetached(args[0], args[1:])
    ok = started[0] if isinstance(started, tuple) else bool(started)
    if not ok:
        raise KnownError(f"Could not start “{args[0]}” to open the note. "
                         "Check the editor command in Settings.")
