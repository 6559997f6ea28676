"""How the CLI prints: result lists, status reports and a progress bar on a terminal."""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from typing import Any, TextIO

from gte_notes.core import FileStatus, Hit, IndexFacts, display, is_exact, raw_b64, readable_title


def _shown(value: Any) -> Any:
    """Every string in `value` printable as UTF-8: a file name that is not valid UTF-8 would
    otherwise stop the output half-way with UnicodeEncodeError."""
    if isinstance(value, str):
        return display(value)
    if isinstance(value, dict):
        return {k: _shown(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shown(v) for v in value]
    return value


def _hit_json(hit: Hit) -> dict[str, Any]:
    data = hit.to_json()
    if not is_exact(hit.path):
        data["path_bytes"] = raw_b64(hit.path)  # the exact name, for scripts that open the file
    return _shown(data)


def print_hits(hits: list[Hit], *, as_json: bool, out: TextIO | None = None, notes: list[str] = ()) -> None:
    """The result list; `notes` (Hits.notices) go above it, or to stderr beside JSON."""
    out = out or sys.stdout  # looked up at call time, so a redirected stdout is honoured
    if as_json:
        for line in notes:
            print(display(line), file=sys.stderr)
        json.dump([_hit_json(h) for h in hits], out, ensure_ascii=False, indent=1)
        out.write("\n")
        return
    if not hits:
        out.write("No notes match.\n")
        return
    for line in notes:
        out.write(display(line) + "\n")
    width = shutil.get_terminal_size((100, 20)).columns
    for n, h in enumerate(hits, start=1):
        title = readable_title(h.title, h.path)  # "Release 0.08", not a bare "0.08"
        title = f"{title} ({h.alias})" if h.alias else title  # found by this alias
        title = f"{title}  ↔ linked" if h.linked else title
        out.write(f"{n:2}. {h.score:.3f}  {display(title)}  ({display(h.path)}:{h.line})\n")
        passage = display(" ".join(h.passage.split()))
        out.write(f"      {passage[: max(20, width - 8)]}\n")
        if h.copies:  # near-identical notes share this row (core/search/copies.py)
            n_copies = f"{len(h.copies)} cop{'y' if len(h.copies) == 1 else 'ies'}"
            out.write(f"      (+{n_copies}: {', '.join(display(p) for p in h.copies)})\n")


def drop_stdout() -> None:
    """After a broken pipe: point stdout at /dev/null, so the interpreter's own flush at exit does not
    fail on the closed pipe again (with an 'Exception ignored' message)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real stdout (an embedding program): nothing to flush
        pass


def say_loading(text: str) -> None:
    """What the command waits for while a model loads (seconds, silent otherwise): said on stderr
    only when a person is watching it, so logs, pipes and scripts stay as they were."""
    err = sys.stderr
    if err is not None and err.isatty():
        err.write(f"{text}\n")
        err.flush()


def status_json(facts: IndexFacts, files: list[FileStatus], folder_problem: str = "") -> dict[str, Any]:
    """The status as `status --json` has always printed it (scripts read these keys)."""
    ann = None if facts.ann_count is None else {"count": facts.ann_count, "generation": facts.ann_generation}
    rows = []
    for f in files:
        row = {"path": f.path, "status": f.status, "reason": f.reason, "warning": f.warning, "title": f.title}
        if not is_exact(f.path):
            row["path_bytes"] = raw_b64(f.path)
        rows.append(row)
    return {
        "folder": facts.folder,
        "index_dir": facts.index_dir,
        "model": facts.model,
        "dims": facts.dims,
        "pipeline": facts.pipeline,
        "counts": dict(facts.counts),
        "files_total": facts.files_total,
        "chunks": facts.chunks,
        "vectors": facts.vectors,
        "ann": ann,
        "generation": facts.generation,
        "files": rows,
        "folder_problem": folder_problem,
    }


def print_status(
    facts: IndexFacts,
    files: list[FileStatus],
    folder_problem: str = "",
    *,
    as_json: bool,
    everything: bool,
    out: TextIO | None = None,
) -> None:
    out = out or sys.stdout
    status = _shown(status_json(facts, files, folder_problem))
    if as_json:
        json.dump(status, out, ensure_ascii=False, indent=1)
        out.write("\n")
        return
    counts = ", ".join(f"{n} {s}" for s, n in sorted(status["counts"].items())) or "nothing yet"
    out.write(f"Folder: {status['folder']}\n")
    if status.get("folder_problem"):
        out.write(f"        {status['folder_problem']} Showing the index as it was last updated.\n")
    dims = f" ({status['dims']} dimensions)" if status.get("dims") else ""
    out.write(f"Index:  {status['index_dir']}\nModel:  {status['model'] or '—'}{dims}\n")
    out.write(
        f"Files:  {status['files_total']} ({counts})\nChunks: {status['chunks']}, "
        f"vectors: {status['vectors']}\n"
    )
    shown = [f for f in status["files"] if everything or f["status"] != "indexed" or f["warning"]]
    for f in shown:
        why = f["reason"] or f["warning"]
        out.write(f"  {f['status']:<11} {f['path']}{'  — ' + why if why else ''}\n")


class ProgressBar:
    """A one-line bar on a terminal; silent when output is not a terminal (logs, pipes, CI)."""

    def __init__(self, stream: TextIO, unit: str = "notes") -> None:
        self.stream = stream
        self.unit = unit
        self.enabled = stream.isatty()
        self._last = 0.0

    def _draw(self, text: str, force: bool = False) -> None:
        now = time.monotonic()
        if not self.enabled or (not force and now - self._last < 0.1):
            return
        self._last = now
        width = shutil.get_terminal_size((100, 20)).columns
        self.stream.write("\r" + display(text)[: width - 1].ljust(width - 1))
        self.stream.flush()

    def update(self, p: Any) -> None:
        frac = p.done / p.total if p.total else 1.0
        bar = "#" * int(frac * 24)
        eta = f" ETA {int(p.eta_s) // 60}:{int(p.eta_s) % 60:02d}" if p.eta_s else ""
        self._draw(
            f"[{bar:<24}] {p.done}/{p.total} {self.unit}, {p.embedded} chunks embedded{eta}  {p.current}",
            force=p.done == p.total,
        )

    def update_bytes(self, done: int, total: int) -> None:
        frac = done / total if total else 0.0
        self._draw(f"[{'#' * int(frac * 24):<24}] {done / 1e6:.1f}/{total / 1e6:.1f} {self.unit}")

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()
