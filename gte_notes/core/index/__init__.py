"""Index: the stored index of one notes folder and the code that makes it agree with the folder.

The SQLite database of notes, chunks and vectors (store, with its schema steps in migrations, the
vectors table in vectors, the keyword table's reads in keyword_table and what it holds in fts_terms,
`IN (…)` lists in batches, the writer's sqlite-utils in write_side): the only modules in gte_notes that
speak SQL. The vector index built from it (ann, ann_backends, its files on disk in ann_files),
reconciling the folder into both (indexer, looking at the folder in folder_scan), lines repeated across
many notes (boilerplate) and index health per folder (status). May import gte_notes.core.model,
gte_notes.core.markdown, gte_notes.core.files and gte_notes.core.errors; never search or live.
"""
