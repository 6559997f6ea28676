"""The headless face: gte-notes index / search / related / status / model, and the GUI launcher."""

from __future__ import annotations

import argparse
import signal
import sqlite3
import sys
import threading
from pathlib import Path

from gte_notes import __version__
from gte_notes.cli_embedder import embedder_for
from gte_notes.cli_output import ProgressBar, print_hits, print_status
from gte_notes.core.errors import AlreadyRunningError, FolderError, KnownError
from gte_notes.core.files.config import Settings
from gte_notes.core.files.notes import NoteFilter
from gte_notes.core.index.ann import AnnIndex
from gte_notes.core.index.status import folder_status
from gte_notes.core.index.store import Store, read_error
from gte_notes.core.live.workspace import Workspace
from gte_notes.core.offline import stay_offline


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="gte-notes", description="Offline semantic search over a folder of notes.")
    p.add_argument("--version", action="version", version=f"gte-notes {__version__}")
    p.add_argument("--model", help="model name (Hugging Face id) or a local model folder "
                                   "[default: $GTE_NOTES_MODEL, the settings file, or thenlper/gte-small]")
    p.add_argument("--precision", choices=["auto", "fp32", "bf16", "int8", "onnx-fp32", "onnx-int8"],
                   help="embedding precision")
    p.add_argument("--data-dir", help="where indexes are kept [default: $GTE_NOTES_HOME or the user data dir]")
    p.add_argument("--dims", type=int, help="keep N of the model's vector dimensions (128 up to its size; "
                                            "0 = all) [default: the settings file, else all]")
    p.add_argument("--passage-tokens", type=int, help="passage size in tokens (at most the model's limit) "
                                                      "[default: the settings file, else 256]")
    p.add_argument("--trust-remote-code", action="store_true",
                   help="allow a model that is not on the known list to run its own Python code "
                        "(remembered for that model until its code changes)")
    sub = p.add_subparsers(dest="command")

    s = sub.add_parser("index", help="index a notes folder (only new and changed notes are embedded)")
    s.add_argument("folder")

    s = sub.add_parser("search", help="search a folder's notes")
    s.add_argument("folder")
    s.add_argument("query", nargs="+")
    s.add_argument("--limit", type=int, default=10)
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("related", help="notes related to one note")
    s.add_argument("folder")
    s.add_argument("note", help="the note's path (relative to the folder, or a full path)")
    s.add_argument("--limit", type=int, default=10)
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("status", help="what is indexed, skipped or failed, and why")
    s.add_argument("folder")
    s.add_argument("--json", action="store_true")
    s.add_argument("--all", action="store_true", help="list every file, not only the ones with problems")

    s = sub.add_parser("watch", help="keep a folder's index live until interrupted")
    s.add_argument("folder")

    s = sub.add_parser("model", help="show or download the embedding model")
    s.add_argument("action", choices=["info", "download"])
    s.add_argument("name", nargs="?", help="download: gte-small, gte-multilingual-base or any hub name "
                                           "[default: the model in use]")
    s.add_argument("--json", action="store_true", help="info: the known models and their facts, as JSON")

    s = sub.add_parser("gui", help="start the desktop app (the default)")
    s.add_argument("folder", nargs="?")
    s.add_argument("--query", help="type this query at start")
    s.add_argument("--screenshot", help="save a PNG of the window once results are shown, then exit")
    return p


def _workspace(args: argparse.Namespace, settings: Settings, *, check: bool = True) -> Workspace:
    flt = NoteFilter(include=tuple(settings.include), exclude=tuple(settings.exclude))
    return Workspace(args.folder, home=args.data_dir, flt=flt, max_bytes=int(settings.max_file_mb * 1024 * 1024),
                     check=check)


def _note(text: str) -> None:
    print(f"gte-notes: {text}", file=sys.stderr)


def _read_store(args: argparse.Namespace, settings: Settings) -> tuple[Workspace, Store, str]:
    """The workspace and a read connection, and what is wrong with the notes folder ("" when nothing).

    An intact index answers even while its folder is missing (an unmounted drive): the user is told,
    and nothing is written.
    """
    try:
        ws, problem = _workspace(args, settings), ""
    except FolderError:
        ws = _workspace(args, settings, check=False)
        if not ws.db_path.exists():
            raise
        problem = f"The notes folder {ws.folder} is missing or unreachable (is its drive mounted?)."
    store = ws.open_store(create=False)
    if problem:
        _note(f"{problem} Answering from its index as it was last updated.")
    return ws, store, problem


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    ws = _workspace(args, settings)
    stop = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        with ws.lock:
            store = ws.open_store()
            if store.notice:
                print(store.notice, file=sys.stderr)
            embedder = embedder_for(args, settings, store)
            ann = ws.open_ann(store, embedder)
            bar = ProgressBar(sys.stderr)
            stats = ws.indexer(store, ann, embedder).reconcile(progress=bar.update, cancel=stop.is_set)
            bar.close()
            ann.save(store)
            store.close()
    finally:
        signal.signal(signal.SIGINT, previous)
    verb = "Stopped early" if stats.cancelled else "Indexed"
    print(f"{verb}: {stats.scanned} files in {stats.seconds:.1f} s — {stats.added} new, {stats.updated} changed, "
          f"{stats.removed} removed, {stats.unchanged} unchanged, {stats.skipped} skipped, {stats.failed} failed; "
          f"{stats.embedded_chunks} chunks embedded, {stats.reused_chunks} reused.")
    return 130 if stats.cancelled else 0


def _reader(args: argparse.Namespace, settings: Settings):
    ws, store, _ = _read_store(args, settings)
    embedder = embedder_for(args, settings, store)
    ann = AnnIndex(ws.dir, embedder.dim, embedder.model_id)
    ann.load(store, rebuild=False)  # rebuilding a big graph takes minutes: not without saving it
    if ann.needs_rebuild:
        _rebuild_ann(ws, store, ann)
    return ws, store, ann, embedder


def _rebuild_ann(ws: Workspace, store: Store, ann: AnnIndex) -> None:
    """The saved search index is damaged or missing: rebuild it once and keep it, if no writer runs."""
    why = ann.needs_rebuild
    try:
        ws.lock.acquire()
    except AlreadyRunningError:
        _note(f"the saved search index cannot be used ({why}); another gte-notes process is indexing this "
              "folder and will save a new one with its next change. Until then searches are answered "
              "exactly from the database, a little slower.")
        return
    try:
        _note(f"the saved search index cannot be used ({why}); rebuilding it from the database once…")
        ann.rebuild(store, why)
        ann.save(store)
        _note("the search index was rebuilt and saved; later searches are fast again.")
    except KnownError as err:
        _note(f"{err} This search is answered from the rebuilt index in memory.")
    finally:
        ws.lock.release()


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    _, store, ann, embedder = _reader(args, settings)
    hits = Workspace.searcher(store, ann, embedder).search(" ".join(args.query), args.limit)
    print_hits(hits, as_json=args.json, notes=hits.notices())
    return 0


def cmd_related(args: argparse.Namespace, settings: Settings) -> int:
    ws, store, ann, embedder = _reader(args, settings)
    note = Path(args.note)
    if note.is_absolute() or (Path.cwd() / note).exists() and not (ws.folder / note).exists():
        try:
            rel = (Path.cwd() / note).resolve().relative_to(ws.folder).as_posix()
        except ValueError:
            raise KnownError(f"{args.note} is not inside {ws.folder}") from None
    else:
        rel = note.as_posix()
    hits = Workspace.related(store, ann, embedder).related(rel, args.limit)
    print_hits(hits, as_json=args.json)
    return 0


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    ws, store, problem = _read_store(args, settings)
    status = folder_status(ws, store)
    status["folder_problem"] = problem
    print_status(status, as_json=args.json, everything=args.all)
    return 0


def cmd_model(args: argparse.Namespace, settings: Settings) -> int:
    from gte_notes.cli_models import model_download, model_info

    return (model_download if args.action == "download" else model_info)(args, settings)


def cmd_watch(args: argparse.Namespace, settings: Settings) -> int:
    from gte_notes.watch_cli import run_watch

    return run_watch(args, settings)


def cmd_gui(args: argparse.Namespace, settings: Settings) -> int:
    from gte_notes.gui.app import run_gui

    return run_gui(args, settings)


COMMANDS = {"index": cmd_index, "search": cmd_search, "related": cmd_related, "status": cmd_status,
            "model": cmd_model, "watch": cmd_watch, "gui": cmd_gui}


def main(argv: list[str] | None = None) -> int:
    stay_offline()  # before anything imports the model stack: see core/offline.py
    args = _parser().parse_args(argv)
    if args.command is None:
        args = _parser().parse_args([*(argv if argv is not None else sys.argv[1:]), "gui"])
    settings = Settings.load()
    try:
        return COMMANDS[args.command](args, settings)
    except KnownError as err:
        print(f"gte-notes: {err}", file=sys.stderr)
        return err.exit_code
    except sqlite3.DatabaseError as err:  # found damaged while reading, after it opened cleanly
        print(f"gte-notes: {read_error(_db_path(args, settings), err)}", file=sys.stderr)
        return 1


def _db_path(args: argparse.Namespace, settings: Settings) -> Path:
    try:
        return _workspace(args, settings, check=False).db_path
    except (KnownError, AttributeError):
        return Path("index.db")
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
