"""The headless face: gte-notes index / search / related / status / model, and the GUI launcher."""

from __future__ import annotations

import argparse
import logging
import signal
import sqlite3
import sys
import threading
from pathlib import Path
from typing import Any

from gte_notes import __version__
from gte_notes.cli_embedder import QueryModel, embedder_for, query_embedder_for
from gte_notes.cli_models import same_model
from gte_notes.cli_output import ProgressBar, drop_stdout, print_hits, print_status
from gte_notes.core import (
    AnnIndex,
    FolderError,
    KnownError,
    Related,
    Settings,
    Store,
    Workspace,
    crash_if_asked,
    current_logs,
    dims_of,
    index_files,
    index_model_id,
    read_error,
    read_facts,
    saved_scale,
    settings_path,
    start_logging,
    stay_offline,
)

log = logging.getLogger(__name__)


def _positive(text: str) -> int:
    """--limit: a count of results, so 1 or more (argparse turns the error into exit 2 and a usage line)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="gte-notes", description="Offline semantic search over a folder of notes."
    )
    p.add_argument("--version", action="version", version=f"gte-notes {__version__}")
    p.add_argument(
        "--model",
        help="model name (Hugging Face id) or a local model folder "
        "[default: $GTE_NOTES_MODEL, the settings file, or thenlper/gte-small]",
    )
    p.add_argument(
        "--precision",
        choices=["auto", "fp32", "bf16", "int8", "onnx-fp32", "onnx-int8"],
        help="embedding precision",
    )
    p.add_argument(
        "--data-dir",
        help="where indexes are kept, and (in DIR/config) settings and history "
        "[default: $GTE_NOTES_HOME or the user data dir]",
    )
    p.add_argument(
        "--dims",
        type=int,
        help="keep N of the model's vector dimensions (128 up to its size; "
        "0 = all) [default: the settings file, else all]",
    )
    p.add_argument(
        "--passage-tokens",
        type=int,
        help="passage size in tokens (at most the model's limit) [default: the settings file, else 256]",
    )
    p.add_argument(
        "--trust-remote-code",
        action="store_true",
        help="allow a model that is not on the known list to run its own Python code "
        "(remembered for that model until its code changes)",
    )
    sub = p.add_subparsers(dest="command")

    s = sub.add_parser("index", help="index a notes folder (only new and changed notes are embedded)")
    s.add_argument("folder")

    s = sub.add_parser("search", help="search a folder's notes")
    s.add_argument("folder")
    s.add_argument("query", nargs="+")
    s.add_argument("--limit", type=_positive, default=10, help="at most this many notes [default: 10]")
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("related", help="notes related to one note")
    s.add_argument("folder")
    s.add_argument("note", help="the note's path (relative to the folder, or a full path)")
    s.add_argument("--limit", type=_positive, default=10, help="at most this many notes [default: 10]")
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("status", help="what is indexed, skipped or failed, and why")
    s.add_argument("folder")
    s.add_argument("--json", action="store_true")
    s.add_argument("--all", action="store_true", help="list every file, not only the ones with problems")

    s = sub.add_parser("watch", help="keep a folder's index live until interrupted")
    s.add_argument("folder")

    s = sub.add_parser("model", help="show or download the embedding model")
    s.add_argument("action", choices=["info", "download"])
    s.add_argument(
        "name",
        nargs="?",
        help="download: gte-small, gte-multilingual-base or any hub name [default: the model in use]",
    )
    s.add_argument("--json", action="store_true", help="info: the known models and their facts, as JSON")

    s = sub.add_parser("gui", help="start the desktop app (the default)")
    s.add_argument("folder", nargs="?")
    s.add_argument("--query", help="type this query at start")
    s.add_argument("--screenshot", help="save a PNG of the window once results are shown, then exit")
    return p


def _workspace(args: argparse.Namespace, settings: Settings, *, check: bool = True) -> Workspace:
    flt = settings.note_filter()
    return Workspace(
        args.folder,
        home=args.data_dir,
        flt=flt,
        max_bytes=int(settings.max_file_mb * 1024 * 1024),
        check=check,
    )


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
    print(
        f"{verb}: {stats.scanned} files in {stats.seconds:.1f} s — {stats.added} new, "
        f"{stats.updated} changed, {stats.removed} removed, {stats.unchanged} unchanged, "
        f"{stats.skipped} skipped, {stats.failed} failed; "
        f"{stats.embedded_chunks} chunks embedded, {stats.reused_chunks} reused."
    )
    return 130 if stats.cancelled else 0


def _reader_ann(ws: Workspace, store: Store, model_id: str, dim: int) -> AnnIndex:
    """The saved search index, for reading. A reader never saves one: only the writer (index, watch, the
    app) does, so a search run with other options can never replace what the writer built (issue 23)."""
    ann = AnnIndex(ws.dir, dim, model_id)
    ann.load(store, rebuild=False)  # a doubtful file: an exact matrix of the database's vectors instead
    if ann.needs_rebuild:
        _note(
            f"the saved search index cannot be used ({ann.needs_rebuild}), so this search is answered "
            "exactly from the database, a little slower. The next `gte-notes index` (or `watch`, or the "
            "app) saves a new one."
        )
    return ann


def _label(model_id: str) -> str:
    """ "all-MiniLM-L6-v2 (fp32, 384 dimensions)" for "all-MiniLM-L6-v2:1a2b…:fp32:384"."""
    parts = model_id.split(":")
    if len(parts) < 4:
        return model_id
    return f"{parts[0]} ({parts[2]}, {dims_of(model_id)} dimensions)"


def _vectors_to_search(args: argparse.Namespace, embedder: Any, index_id: str) -> tuple[str, int] | None:
    """(model id, size) of the index's vectors that this model's queries can be compared with; None when
    the index holds none (another model or size), which is said."""
    if not index_id or embedder.model_id == index_id:
        return embedder.model_id, embedder.dim
    if same_model(embedder.model_id, index_id) and dims_of(index_id) == embedder.dim:
        # The same model in another precision: its vectors, as `index` made them, answer. Queries in
        # the precision at hand stay within the precision check's tolerance of the index's own.
        if args.precision:
            _note(
                f"this folder was indexed in {index_id.split(':')[2]}, not {args.precision}: searching its "
                "vectors as they are."
            )
        return index_id, embedder.dim
    _note(
        f"this folder's index holds the vectors of {_label(index_id)}, not of {_label(embedder.model_id)}: "
        "this search uses keywords only. Search without --model/--dims (or with the ones it was indexed "
        "with), or index the folder again with these."
    )
    return None


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    ws, store, _ = _read_store(args, settings)
    query = " ".join(args.query)
    _say_if_not_utf8(query)
    embedder = query_embedder_for(args, settings, store)
    found = _vectors_to_search(args, embedder, index_model_id(store))
    model_id, dim = found or (embedder.model_id, embedder.dim)
    ann = (
        _reader_ann(ws, store, model_id, dim) if found else AnnIndex(ws.dir, dim, model_id)
    )  # empty: keywords
    model = QueryModel(embedder, model_id, dim)
    scale = saved_scale(ws.home, embedder.model_id, model.encode_query)
    hits = Workspace.searcher(store, ann, model, scale=scale).search(query, args.limit)
    print_hits(hits, as_json=args.json, notes=hits.notices())
    return 0


def _say_if_not_utf8(query: str) -> None:
    if _has_surrogates(query):
        _note(
            "the query has bytes that are not UTF-8 (is the terminal set to UTF-8?): only a path: filter "
            "can match them (in a file name); the rest of the query is searched as usual."
        )


def _has_surrogates(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def cmd_related(args: argparse.Namespace, settings: Settings) -> int:
    # No model: the note's vectors and its neighbours' are in the index, under the index's model id.
    ws, store, _ = _read_store(args, settings)
    model_id = index_model_id(store)
    dim = dims_of(model_id) if model_id else 0
    ann = _reader_ann(ws, store, model_id, dim) if model_id else AnnIndex(ws.dir, dim, model_id)
    note = Path(args.note)
    if note.is_absolute() or (Path.cwd() / note).exists() and not (ws.folder / note).exists():
        try:
            rel = (Path.cwd() / note).resolve().relative_to(ws.folder).as_posix()
        except ValueError:
            raise KnownError(f"{args.note} is not inside {ws.folder}") from None
    else:
        rel = note.as_posix()
    hits = Related(store, ann, model_id, dim).related(rel, args.limit)
    print_hits(hits, as_json=args.json)
    return 0


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    ws, store, problem = _read_store(args, settings)
    facts = read_facts(str(ws.folder), str(ws.dir), store)
    print_status(facts, index_files(store), problem, as_json=args.json, everything=args.all)
    return 0


def cmd_model(args: argparse.Namespace, settings: Settings) -> int:
    from gte_notes.cli_models import model_download, model_info

    return (model_download if args.action == "download" else model_info)(args, settings)


def cmd_watch(args: argparse.Namespace, settings: Settings) -> int:
    from gte_notes.watch_cli import run_watch

    return run_watch(args, settings)


def cmd_gui(args: argparse.Namespace, settings: Settings) -> int:
    from gte_notes.gui.window.app import run_gui

    return run_gui(args, settings)


COMMANDS = {
    "index": cmd_index,
    "search": cmd_search,
    "related": cmd_related,
    "status": cmd_status,
    "model": cmd_model,
    "watch": cmd_watch,
    "gui": cmd_gui,
}


def main(argv: list[str] | None = None) -> int:
    stay_offline()  # before anything imports the model stack: see core/offline.py
    args = _parser().parse_args(argv)
    if args.command is None:
        args = _parser().parse_args([*(argv if argv is not None else sys.argv[1:]), "gui"])
    settings = Settings.load(settings_path(args.data_dir))  # a --data-dir has its own settings
    if args.command != "gui":  # the GUI starts its own, named for it
        start_logging("cli", args.data_dir, quiet=True)
    try:
        if args.command != "gui":
            crash_if_asked(f"gte-notes {args.command}")  # test-only: core/files/forced_crash.py
        code = COMMANDS[args.command](args, settings)
        if sys.stdout is not None:  # None in a windowed build
            sys.stdout.flush()  # here, so a reader that went away is seen now and not at exit
        return code
    except KnownError as err:
        print(f"gte-notes: {err}", file=sys.stderr)
        return err.exit_code
    except sqlite3.DatabaseError as err:  # found damaged while reading, after it opened cleanly
        print(f"gte-notes: {read_error(_db_path(args, settings), err)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # Ctrl+C: stop quietly, as a shell tool does
        return 130
    except BrokenPipeError:  # `| head -1`: the reader has what it wanted
        drop_stdout()
        return 141  # 128 + SIGPIPE, what the shell reports for a tool the pipe stopped
    except Exception:  # a bug: its traceback goes to the terminal and to the log file
        log.exception("Unexpected error in gte-notes %s", args.command)
        files = current_logs()
        where = f"; the details are also in {files.log}" if files else ""
        print(f"gte-notes: this is a bug in gte-notes, not a problem with your notes{where}", file=sys.stderr)
        return 1


def _db_path(args: argparse.Namespace, settings: Settings) -> Path:
    try:
        return _workspace(args, settings, check=False).db_path
    except (KnownError, AttributeError):
        return Path("index.db")
