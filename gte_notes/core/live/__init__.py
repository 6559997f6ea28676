"""Live: one notes folder kept indexed while the user works, the service the GUI and the CLI run on.

Everything about one folder, its database, vector index, lock, searcher and related notes (workspace),
the model the user chose (chosen_model) and opening it (open_chosen), the folder watcher (watcher,
folder_watch), coalescing file events (debounce, work_queue), the one indexing thread that writes
(writer, loading the model through model_load, telling the listener through writer_reports, changing the
model through model_changer and next_model), the read side for any thread that drains on close (readers)
and the engine that composes them and owns the index's caches (engine). The top layer of the core: may
import every other core layer; none imports it."""
