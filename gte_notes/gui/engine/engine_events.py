"""The engine's callbacks (from its writer thread) turned into the bridge's queued Qt signals. Each
listener belongs to one engine incarnation: once the bridge has started another engine (another
folder, a restart) or closed, the old one's callbacks are dropped."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance

    from gte_notes.core import EngineListener


class ListenerEnd(Protocol):
    """What a listener needs of the bridge. Described here rather than imported, so that the bridge
    imports this module and not the other way round."""

    missing_message: str
    state_changed: SignalInstance
    progress: SignalInstance
    files_changed: SignalInstance
    indexed: SignalInstance
    error: SignalInstance
    notice: SignalInstance

    def is_current(self, token: int) -> bool: ...


def engine_listener(bridge: ListenerEnd, token: int) -> EngineListener:
    from gte_notes.core import EngineListener  # on the control thread, with the engine

    def live() -> bool:
        return bridge.is_current(token)

    def on_error(message: str, is_bug: bool, details: str) -> None:
        # The model-missing dialog already says this; the status bar need not say it twice.
        if live() and message != bridge.missing_message:
            bridge.error.emit(message, is_bug, details)

    return EngineListener(
        on_state=lambda s: live() and bridge.state_changed.emit(s),
        on_progress=lambda p: live() and bridge.progress.emit(p),
        on_files=lambda files: live() and bridge.files_changed.emit(files),
        on_indexed=lambda paths: live() and bridge.indexed.emit(paths),
        on_error=on_error,
        on_notice=lambda text: live() and bridge.notice.emit(text),
    )
