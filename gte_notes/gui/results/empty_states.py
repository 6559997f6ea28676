"""What an empty result list says: it should always tell the user what is going on and what to do."""

from __future__ import annotations

from gte_notes.core import EngineState, Phase, Progress

STARTING_TEXT = {
    Phase.LOADING_MODEL: "Loading the model…",
    Phase.STARTING: "Opening the index…",
    Phase.READING: "Reading your notes for the first time…",
}
TYPE_TO_SEARCH = "Type to search {notes}.\nResults appear as you type; ↑ ↓ to move, Enter to open."


NO_FOLDER = (
    "No notes folder is open.\nChoose the folder that holds your notes:\n"
    "File › Open notes folder… (Ctrl+O), or the button above."
)


def type_to_search(notes_indexed: int, engine_state: EngineState) -> str:
    if engine_state.phase is Phase.NO_FOLDER:
        return NO_FOLDER
    text = TYPE_TO_SEARCH.format(notes=f"{notes_indexed:,} notes" if notes_indexed else "your notes")
    starting = STARTING_TEXT.get(engine_state.phase)
    return f"{starting}\n{text}" if starting else text


def reading_text(progress: Progress | None) -> str:
    """The first start's keyword pass (the model loads meanwhile), as the list and status bar say it."""
    where = f": {progress.done:,} / {progress.total:,}" if progress is not None and progress.total else "…"
    return f"Reading your notes for the first time{where}"


def no_results(
    query: str,
    ready: bool,
    engine_state: EngineState,
    progress: Progress | None,
    notes_read: int | None = None,
) -> str:
    """`notes_read`: notes the index holds in any state (None: not known yet, taken as some)."""
    phase = engine_state.phase
    indexing = engine_state.working and progress is not None and progress.total
    if phase is Phase.NO_FOLDER:
        return NO_FOLDER
    counts = f"Indexing {progress.done:,}/{progress.total:,}…" if indexing and progress is not None else ""
    if not ready and phase is Phase.READING:
        return (
            f"No note read so far contains the words “{query}”.\n{reading_text(progress)} — more results "
            "may appear; search by meaning joins when the model is loaded."
        )
    if not ready and phase is Phase.LOADING_MODEL and notes_read == 0:
        # Nothing has been read yet: "no note contains" would be a guess.
        return (
            f"Your notes have not been read yet.\nResults for “{query}” appear as soon as they are, while "
            "the model loads."
        )
    if not ready and phase is Phase.LOADING_MODEL:
        return f"No note contains the words “{query}”.\nSearch by meaning joins when the model is loaded."
    if not ready:
        state = STARTING_TEXT.get(phase)
        return (state or counts or "The index is not ready yet.") + "\nResults appear as soon as it is."
    if counts:
        return f"No notes match “{query}” yet.\n{counts} more results may appear."
    return f"No notes match “{query}”.\nTry other words, or fewer of them."
