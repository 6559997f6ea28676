"""A model change run on the writer's thread: when it starts, its steps, the swap and cancelling
(next_model.py says how a change works).

Everything here runs on the writer's thread, except `request` and `cancel`, which only leave a note
for it and wake it. The changer sees the writer through `ServingSide` (the index it writes, the model
that serves, the swap) and is given the workspace, queue, caches and reports it shares with it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from gte_notes.core.errors import Cancelled, KnownError
from gte_notes.core.index.ann import AnnIndex
from gte_notes.core.index.progress import ReconcileStats
from gte_notes.core.index.store import Store
from gte_notes.core.live.chosen_model import ModelChoice
from gte_notes.core.live.engine_state import EngineState, ModelChangeState
from gte_notes.core.live.model_load import load_model, stop_notes_process
from gte_notes.core.live.work_queue import WorkQueue
from gte_notes.core.live.workspace import Workspace
from gte_notes.core.live.writer_reports import WriterReports
from gte_notes.core.model.model_catalog import model_display_name
from gte_notes.core.search.caches import IndexCaches

if TYPE_CHECKING:  # loaded when a change starts: a start-up without one never imports it
    from gte_notes.core.index.indexer import Indexer
    from gte_notes.core.live.next_model import NextModel

OpenModel = Callable[[ModelChoice], Any]


class ServingSide(Protocol):
    """What a model change needs of the writer (writer.py's IndexWriter), on the writer's thread."""

    @property
    def store(self) -> Store | None:
        """The write connection (None only before the writer opened it)."""

    @property
    def embedder(self) -> Any:
        """The model that serves searches and indexing now."""

    def cancelled(self) -> bool:
        """The writer is stopping or paused: a batch of the change stops."""

    def serve(self, embedder: Any, ann: AnnIndex, indexer: Indexer) -> None:
        """From now on searches use this model and ANN, and indexing writes with them."""


class ModelChanger:
    def __init__(
        self,
        writer: ServingSide,
        ws: Workspace,
        queue: WorkQueue,
        caches: IndexCaches,
        reports: WriterReports,
        target: ModelChoice | None,
        open_model: OpenModel | None,
    ) -> None:
        self._writer = writer
        self._ws, self._queue, self._caches, self._reports = ws, queue, caches, reports
        self.target = target  # the choice the user wants (None: an embedder given as it is, no choices)
        self.serving: ModelChoice | None = None  # the choice that answers searches now
        self.open_model = open_model
        self.switch: NextModel | None = None
        self._lock = threading.Lock()
        self._asked: tuple[ModelChoice, Callable[[], Any]] | None = None
        self._cancel_asked = False
        self._drop_old = False  # the old model's vectors go after the first full reconcile on the new one

    # ---- any thread ---------------------------------------------------------------------------

    def request(self, choice: ModelChoice, factory: Callable[[], Any]) -> None:
        with self._lock:
            self._asked, self._cancel_asked = (choice, factory), False
        self._queue.wake.set()

    def cancel(self) -> None:
        with self._lock:
            self._asked, self._cancel_asked = None, True
        self._queue.wake.set()

    def progress(self) -> ModelChangeState | None:
        """The change under way: the next model, notes done (None while it loads) of how many."""
        sw = self.switch
        if sw is None:
            return None
        return ModelChangeState(sw.choice.name, sw.done if sw.embedder is not None else None, sw.total)

    # ---- the writer's thread --------------------------------------------------------------------

    def load_serving(self, given: Any, chosen_factory: Callable[[], Any]) -> tuple[Any, float]:
        """The model that answers searches (see model_load.load_model): the index's own while a model
        change is under way, else the chosen one (`given`, or what `chosen_factory` opens)."""
        chosen = chosen_factory if given is None else (lambda: given)
        factory = self.serving_factory(chosen)
        try:
            return load_model(None, factory, self._caches)
        except KnownError as err:
            if factory is chosen:
                raise
            self._reports.notice(
                f"The model this index was built with could not be opened ({err}); notes are "
                "embedded again for the model chosen now."
            )
            return load_model(None, self.fall_back(chosen), self._caches)

    def serving_factory(self, target_factory: Callable[[], Any]) -> Callable[[], Any]:
        """What the writer loads at start: the model the index was built with while the user's choice
        differs from it and its vectors are there (a change then carries on), else the choice."""
        store = self._store()
        recorded = ModelChoice.from_json(store.get_meta("model_choice"))
        self.serving = self.target
        if (
            self.target is None
            or recorded is None
            or recorded == self.target
            or self.open_model is None
            or not store.vectors.count(store.get_meta("model_id"))
        ):
            return target_factory
        from gte_notes.core.live.next_model import NextModel

        self.serving = recorded
        self.switch = NextModel(self.target, target_factory, self._ws.folder, self._ws.max_bytes)
        open_model = self.open_model
        return lambda: open_model(recorded)

    def fall_back(self, target_factory: Callable[[], Any]) -> Callable[[], Any]:
        """The recorded model could not be opened: serve the choice at once (re-embedding as before)."""
        self.switch, self.serving = None, self.target
        return target_factory

    def take_requests(self) -> None:
        with self._lock:
            asked, cancel = self._asked, self._cancel_asked
            self._asked, self._cancel_asked = None, False
        if cancel and self.switch is not None:
            what = change_described(self.switch.choice, self.serving)
            self._abandon()
            self._reports.notice(
                f"{what} cancelled: search keeps using {self._serving_name()} as before; "
                "the vectors made for the change were discarded."
            )
        if asked is None:
            return
        choice, factory = asked
        if self.switch is not None and self.switch.choice == choice:
            return
        self._abandon()
        if choice != self.serving:
            from gte_notes.core.live.next_model import NextModel

            self.switch = NextModel(choice, factory, self._ws.folder, self._ws.max_bytes)
        self.target = choice

    @property
    def pending(self) -> bool:
        return self.switch is not None

    def run_step(self) -> None:
        """One batch of the change, or the swap once every note has its vector."""
        sw = self.switch
        assert sw is not None
        try:
            if sw.embedder is None:
                self._reports.set_state(EngineState.changing_model(sw.shown_name))
                sw.load(self._store(), self._caches, self._writer.embedder.model_id)
            self._reports.set_state(sw.label)
            sw.step(self._store(), self._interrupted)
        except Cancelled:
            return  # paused or stopping: the batch is embedded again later
        except KnownError as err:  # the next model cannot be loaded: keep serving this one
            self._abandon()
            self._reports.known(
                f"Could not change the model: {err} Search keeps using {self._serving_name()}."
            )
            return
        except Exception as err:  # noqa: BLE001 - a bug costs the change, never the serving model
            self._abandon()
            self._reports.bug(f"The model change stopped; search keeps using {self._serving_name()}", err)
            return
        self._reports.set_state(sw.label)
        # A cancel (or another choice, a pause, a stop) asked while this step ran is taken before the
        # swap: a change with nothing to embed (vectors cut to a smaller size) finishes in one step,
        # and swapping then would serve the model the user had just cancelled.
        if sw.finished and not self._interrupted() and not sw.recheck(self._store()):
            self._swap(sw)

    def after_reconcile(self, stats: ReconcileStats, full: bool) -> None:
        """Record the served choice once a full reconcile has made the index its own; after a change,
        the old model's vectors go then."""
        if not full or stats.cancelled or self.switch is not None:
            return
        store = self._store()
        with store.transaction():
            if self._drop_old:
                store.vectors.drop_other_models(self._writer.embedder.model_id)
            if self.serving is not None:
                store.set_meta("model_choice", self.serving.to_json())
        self._drop_old = False

    # ---- inside ----

    def _store(self) -> Store:
        store = self._writer.store
        assert store is not None  # the writer opens it before it loads a model or runs a change
        return store

    def _interrupted(self) -> bool:
        """A batch of the change stops for a stop, a pause, a cancel or another choice."""
        return self._writer.cancelled() or self._cancel_asked or self._asked is not None

    def _swap(self, sw: NextModel) -> None:
        store, new = self._store(), sw.embedder
        ann = AnnIndex(self._ws.dir, new.dim, new.model_id)
        ann.rebuild(store, "the model changed")
        indexer = self._ws.indexer(store, ann, new)
        complete = sw.complete(store)
        with store.transaction():
            store.set_meta("model_choice", sw.choice.to_json())
            store.set_meta("model_id", new.model_id)
            if complete:  # the index is already the new model's: no re-chunking needed
                store.set_meta("pipeline", indexer.pipeline())
        self._writer.serve(new, ann, indexer)
        self.serving, self.switch, self._drop_old = sw.choice, None, True
        self._queue.request_full("the model changed")
        made = f"{sw.embedded:,} passages embedded for it" + (
            f", {sw.cut_count:,} vectors cut to its size" if sw.cut_count else ""
        )
        self._reports.notice(f"Search now uses {sw.shown_name} ({made}).")

    def _abandon(self) -> None:
        sw, self.switch = self.switch, None
        if sw is None or sw.embedder is None:
            return
        if sw.embedder is not self._writer.embedder:
            stop_notes_process(sw.embedder)  # the abandoned model's process, if it has one
        if sw.embedder.model_id != self._writer.embedder.model_id:
            store = self._store()
            with store.transaction():
                store.vectors.drop_model(sw.embedder.model_id)

    def _serving_name(self) -> str:
        return model_display_name(self.serving.name) if self.serving is not None else "the current model"


def change_described(target: ModelChoice, serving: ModelChoice | None) -> str:
    """What a change is, in words: "The change to passages of 128 tokens", not a model named twice."""
    if serving is None or target.name != serving.name:
        return f"The change to {model_display_name(target.name)}"
    parts = []
    if target.passage_tokens != serving.passage_tokens:
        parts.append(
            f"passages of {target.passage_tokens} tokens" if target.passage_tokens else "default passages"
        )
    if target.dims != serving.dims:
        parts.append(f"vectors of {target.dims} dimensions" if target.dims else "full-size vectors")
    if target.precision != serving.precision:
        parts.append(f"{target.precision} precision")
    return (
        f"The change to {' and '.join(parts)}"
        if parts
        else f"The change to {model_display_name(target.name)}"
    )
