"""Model: the embedding model, text in and vectors out.

Finding the model on disk (model_files), loading and running it (embedder), the fast query-side
encoder loaded with torch and tokenizers only (query_encoder, query_graph), the remembered precision
check (precision_cache), the model's cosine scale (calibration: a property of the model, read by search
and live) and the lower CPU priority of the thread that runs the model's workers (thread_priority, used
by live's indexing worker). May import gte_notes.core.files and gte_notes.core.errors; independent of
gte_notes.core.markdown. torch, transformers and sentence-transformers are imported lazily inside
functions: importing this package or any of its modules must not load them.
"""
