"""Live: one notes folder kept indexed while the user works, the service the GUI and the CLI run on.

Everything about one folder, its database, vector index, lock, searcher and related notes (workspace),
the folder watcher (watcher), coalescing file events (debounce, work_queue), the indexing worker
thread (engine_worker), the read side for any thread (engine_reads) and the engine that ties them
together (engine). The top layer of the core: may import every other core layer; none imports it.
"""
