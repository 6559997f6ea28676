"""Index: the stored index of one notes folder and the code that makes it agree with the folder.

The SQLite database of notes, chunks and vectors (store), the vector index built from it (ann,
ann_backends), reconciling the folder into both (indexer), lines repeated across many notes
(boilerplate) and index health per folder (status). May import gte_notes.core.model,
gte_notes.core.markdown, gte_notes.core.files and gte_notes.core.errors; never search or live.
"""
