"""Model: the embedding model, text in and vectors out.

Finding the model on disk (model_files) and the models known by name (model_catalog), loading and
running it (embedder), which precision it runs in (precision_check decides, precision_variants
converts or exports, precision_cache remembers), the ONNX Runtime path (onnx_model), the fast
query-side encoder (query_encoder, onnx_query_encoder, query_graph), the process the app embeds
notes in (note_process), cut vector sizes (dims), the model's cosine scale (calibration: a property
of the model, read by search and live) and the lower CPU priority of the thread that runs the
model's workers (thread_priority, used by live's writer and the notes' process).
May import gte_notes.core.files and gte_notes.core.errors; independent of gte_notes.core.markdown.
torch, transformers and sentence-transformers are imported lazily inside functions: importing this
package or any of its modules must not load them.
"""

from gte_notes.core.offline import stay_offline

# The app's entry points switch telemetry off first thing; code that uses the model layer without them
# (a benchmark, a script) gets the same switches here, before any module below imports ONNX Runtime or
# the hub, which read them when imported (core/offline.py).
stay_offline()
