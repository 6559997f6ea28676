"""Files: the notes folder and gte-notes' own data directory, the bottom layer of the core.

Which files are notes (note_filter, ignore), reading them without ever writing to the notes folder
(notes), their paths as database and display text (path_text), where gte-notes keeps its data and
settings (paths, config), owner-only permissions (private_files) and the one-writer lock (lock).
May import only gte_notes.core.errors and outside libraries; every other core layer may import it.
"""
