"""The command line as a shell user meets it (issues 22 and 23), in real processes with the real
stand-in model: a pipe closed early, Ctrl+C while the model loads, bad --limit values, a missing model,
a search in another precision than the index's, a query that is not UTF-8, and what a search or
`related` has to load.

One small copy of dendron-site (its 108 "publish" notes, enough for a result list longer than a pipe's
buffer) is indexed once in fp32; the tests read it.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.core.live_helpers import cli_env

pytestmark = pytest.mark.model

PIPE_SIZE = 4096  # the pipe's capacity, set small, so a few pages of output fill it whatever the machine


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory, dendron_vault: Path, minilm_path: Path) -> dict:
    root = tmp_path_factory.mktemp("cli-exits")
    notes = root / "notes"
    notes.mkdir()
    for note in sorted(dendron_vault.glob("dendron.topic.publish*.md")):
        shutil.copy(note, notes / note.name)
    for n in range(300):  # empty notes: a longer `status --all` listing, at no cost
        (notes / "empty" / f"{n:04}.md").parent.mkdir(exist_ok=True)
        (notes / "empty" / f"{n:04}.md").write_text("")
    v = {"root": root, "notes": notes, "home": root / "data", "model": str(minilm_path), "env": cli_env(root)}
    done = cli(v, "--precision", "fp32", "index", str(notes))
    assert done.returncode == 0, done.stderr
    v["encoders_after_index"] = sorted(p.name for p in (v["home"] / "query-encoders").glob("*"))
    return v


def argv(v: dict, *args: str | bytes) -> list[str | bytes]:
    return [sys.executable, "-m", "gte_notes", "--model", v["model"], "--data-dir", str(v["home"]), *args]


def cli(v: dict, *args: str | bytes, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        argv(v, *args), env=v["env"], capture_output=True, text=True, timeout=timeout, check=False
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done


def ann_files(v: dict) -> dict[str, bytes]:
    (index,) = (v["home"] / "indexes").iterdir()
    return {name: (index / name).read_bytes() for name in ("ann.bin", "ann.json")}


def read_until_closed_early(v: dict, *args: str) -> tuple[int, str, str]:
    """Run the CLI into a real pipe, read its first line and close the pipe, as `| head -1` does."""
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, PIPE_SIZE)  # before the child writes: then the size is certain
    proc = subprocess.Popen(argv(v, *args), env=v["env"], stdout=write_end, stderr=subprocess.PIPE)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as out:
        first = out.readline().decode()
    assert proc.stderr is not None
    err = proc.stderr.read().decode()
    return proc.wait(timeout=300), first, err


def _read_pty(master: int) -> bytes:
    """What the child wrote to its terminal within 0.2 s; b"" when nothing, or when its side is closed."""
    if not select.select([master], [], [], 0.2)[0]:
        return b""
    try:
        return os.read(master, 4096)
    except OSError:  # EIO: the child's side of the terminal is closed
        return b""


def test_ctrl_c_while_the_model_loads_ends_quietly_with_130(vault: dict) -> None:
    shutil.rmtree(vault["home"] / "query-encoders", ignore_errors=True)  # so this search loads the model
    master, slave = pty.openpty()  # stderr on a terminal: the CLI says that it is loading the model
    proc = subprocess.Popen(
        argv(vault, "--precision", "fp32", "search", str(vault["notes"]), "publish a site"),
        env=vault["env"],
        stdout=subprocess.PIPE,
        stderr=slave,
    )
    os.close(slave)
    said = b""
    deadline = time.monotonic() + 120
    while b"Loading the model" not in said and time.monotonic() < deadline and proc.poll() is None:
        said += _read_pty(master)
    proc.send_signal(signal.SIGINT)
    code = proc.wait(timeout=120)
    while chunk := _read_pty(master):
        said += chunk
    os.close(master)
    text = said.decode(errors="replace")
    assert "Loading the model" in text
    assert code == 130 and "Traceback" not in text and "KeyboardInterrupt" not in text, text


def test_a_search_in_another_precision_uses_the_index_and_never_replaces_its_ann(vault: dict) -> None:
    """Issue 23 item 2: the folder was indexed in fp32; a search in onnx-fp32 or `auto` used to find no
    vectors for its model id, save an empty search index over the good one and answer keywords only."""
    query = "make my notes into a website others can read"
    exact = cli(vault, "--precision", "fp32", "search", str(vault["notes"]), query, "--json")
    assert exact.returncode == 0 and exact.stderr == "", exact.stderr
    expected = json.loads(exact.stdout)
    before = ann_files(vault)
    for precision in ("onnx-fp32", None):
        options = ("--precision", precision) if precision else ()
        done = cli(vault, *options, "search", str(vault["notes"]), query, "--json")
        assert done.returncode == 0, done.stderr
        hits = json.loads(done.stdout)
        assert [h["path"] for h in hits] == [h["path"] for h in expected], precision
        assert [h["score"] for h in hits] == pytest.approx([h["score"] for h in expected], abs=0.01)
        assert ann_files(vault) == before, f"a search in {precision or 'auto'} changed the saved index"
        if precision:
            assert "indexed in fp32" in done.stderr


def test_a_query_that_is_not_utf8_is_searched(vault: dict) -> None:
    """Issue 23 item 5: `search N $'caf\\xe9' --json` crashed with a TypeError from the tokenizer."""
    done = cli(
        vault, "--precision", "fp32", "search", str(vault["notes"]).encode(), b"publish caf\xe9", "--json"
    )
    assert done.returncode == 0, done.stderr
    hits = json.loads(done.stdout)
    assert hits and all("publish" in h["path"] for h in hits[:3])
    assert "not UTF-8" in done.stderr


def test_search_output_into_a_pipe_closed_early_ends_quietly_with_141(vault: dict) -> None:
    args = ("--precision", "fp32", "search", str(vault["notes"]), "publish", "--json", "--limit", "1000")
    whole = cli(vault, *args)
    assert len(whole.stdout.encode()) > 8 * PIPE_SIZE  # else the pipe never fills and nothing breaks
    code, first, err = read_until_closed_early(vault, *args)
    assert first == "[\n"
    assert code == 141 and "Traceback" not in err and "Exception ignored" not in err, err


def test_status_into_a_pipe_closed_early_ends_quietly_with_141(vault: dict) -> None:
    whole = cli(vault, "status", str(vault["notes"]), "--all")
    assert len(whole.stdout.encode()) > 4 * PIPE_SIZE
    code, first, err = read_until_closed_early(vault, "status", str(vault["notes"]), "--all")
    assert first.startswith("Folder:")
    assert code == 141 and "Traceback" not in err and "Exception ignored" not in err, err


@pytest.mark.parametrize("command", ["search", "related"])
@pytest.mark.parametrize("limit", ["-5", "0"])
def test_a_limit_below_one_is_a_usage_error(vault: dict, command: str, limit: str) -> None:
    what = "publish" if command == "search" else "dendron.topic.publish.md"
    done = cli(vault, command, str(vault["notes"]), what, "--limit", limit, "--json")
    assert done.returncode == 2 and done.stdout == ""
    assert "usage:" in done.stderr and "--limit" in done.stderr


@pytest.mark.parametrize("as_json", [False, True])
def test_model_info_fails_when_its_model_is_missing(vault: dict, tmp_path: Path, as_json: bool) -> None:
    missing = dict(vault, model=str(tmp_path / "no-such-model"))
    done = cli(missing, "model", "info", *(["--json"] if as_json else []))
    assert done.returncode != 0
    assert "no-such-model" in done.stderr or "no-such-model" in done.stdout
    if as_json:
        assert "error" in json.loads(done.stdout)["current"]


def _loaded(v: dict, *args: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """The CLI run in a process that then says which of the heavy runtimes it imported."""
    # sqlite_utils: the writer's alone (ARCHITECTURE.md, "The database"), 130-340 ms of import.
    heavy = ("torch", "transformers", "sentence_transformers", "onnxruntime", "sqlite_utils")
    script = (
        "import sys; from gte_notes.cli import main; code = main(sys.argv[1:]); "
        f"print(sorted(m for m in {heavy!r} if m in sys.modules), file=sys.stderr); sys.exit(code)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, *argv(v, *args)[3:]],
        env=v["env"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    return done, json.loads(done.stderr.strip().splitlines()[-1].replace("'", '"'))


def test_index_saves_the_query_encoder_so_the_first_search_loads_no_model(vault: dict) -> None:
    # Read right after the fixture's `index` (a later test removes the folder to make a search load).
    assert any(name.endswith(".json") for name in vault["encoders_after_index"]), vault[
        "encoders_after_index"
    ]


def test_related_loads_no_model_and_search_uses_the_saved_query_encoder(vault: dict) -> None:
    done, loaded = _loaded(vault, "related", str(vault["notes"]), "dendron.topic.publish.md", "--json")
    assert json.loads(done.stdout) and loaded == []
    cli(
        vault, "--precision", "fp32", "search", str(vault["notes"]), "publish a site"
    )  # saves the encoder once
    done, loaded = _loaded(
        vault, "--precision", "fp32", "search", str(vault["notes"]), "publish a site", "--json"
    )
    assert json.loads(done.stdout)
    assert "torch" not in loaded and "sentence_transformers" not in loaded, loaded
    assert "sqlite_utils" not in loaded
