"""Nothing leaves the machine and nothing is written outside the app's own folders (core/offline.py).

The main test runs the app as a user would, as real processes with the real stand-in model: `index`,
`search`, `related`, `watch` and the GUI offscreen (which embeds a new note in its model process), with
HOME and every XDG folder in an empty temporary folder and none of the switches set by the test: the
app has to set them itself. strace records every process's connects, sends and file opens; the test
asserts no socket beyond loopback/AF_UNIX, no name look-up (no DNS port, /etc/hosts or resolv.conf read),
and no file written outside the data/config/cache folders the app owns (ONNX Runtime's telemetry wrote
~/.cache/Microsoft/DeveloperTools/.onnxruntime and looked up its collector before core/offline.py).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from gte_notes.core import offline
from tests.conftest import REPO_ROOT

NOTES = {
    "garden.md": "# Tomatoes\nWater the tomatoes every morning; they split when the soil dries out.",
    "bread.md": "# Sourdough\nFeed the starter the night before, then bake at 240 degrees with steam.",
    "bike.md": "# Bicycle repair\nA squeaking chain needs oil; a slipping chain needs a new cassette.",
    "taxes.md": "# Taxes\nKeep the receipts for the home office and file before the end of April.",
    "piano.md": "# Piano practice\nScales slowly with a metronome, then the Chopin nocturne, "
    "left hand alone.",
    "trip.md": "# Lisbon trip\nTram 28 to the castle, custard tarts in Belem, the ferry across the river.",
    "coffee.md": "# Coffee\nGrind medium-fine, 18 grams in, 36 out, about 28 seconds for an espresso.",
    "books.md": "# Reading list\nThe Left Hand of Darkness, then Middlemarch. See [[piano]] for evenings.",
    "server.md": "# Home server\nThe backup job runs at 2 am; rotate the disks monthly and test a restore.",
    "cat.md": "# The cat\nVet appointment for vaccinations in March; she hates the carrier.",
}
NEW_NOTE = (
    "climbing.md",
    "# Climbing\nWarm up on the easy routes, then project the overhang; tape the fingers.",
)

TRACED = "execve,connect,sendto,sendmsg,openat,open,creat,mkdir,mkdirat,rename,renameat,renameat2"
WRITE_FLAGS = ("O_WRONLY", "O_RDWR", "O_CREAT")
NAME_LOOKUP_FILES = ("/etc/hosts", "/etc/resolv.conf", "/etc/gai.conf")
# libuuid's machine-wide clock counter (a timestamp, no user data): uuid.uuid1(), which onnx's quantizer
# uses to name its temporary files (int8 precision check), opens it when /var/lib/libuuid exists.
SYSTEM_STATE = ("/var/lib/libuuid/clock.txt",)
SYSCALL = re.compile(r"^(\d+)\s+(\w+)\((.*)$")


def _strace_works() -> str:
    if shutil.which("strace") is None:
        return "strace is not installed (apt-get install strace; .ci/run installs it)"
    try:
        done = subprocess.run(
            ["strace", "-f", "-qq", "-o", os.devnull, "true"], check=False, capture_output=True, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"strace does not run here: {err}"
    if done.returncode != 0:
        err = done.stderr.decode(errors="replace").strip()
        return f"strace cannot trace here (ptrace not permitted?): {err}"
    return ""


# ---- the switches, in every entry point ----------------------------------------------------------


def _python(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """This Python run from the repository with `args` in exactly `env`, its output captured as text."""
    return subprocess.run(
        [sys.executable, *args],
        check=False,
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_entry_points_import_no_model_library_before_switching_telemetry_off() -> None:
    """The switches are read when a library is imported; each entry point calls stay_offline() in its
    main, so importing the entry module itself must not pull in any of them."""
    code = (
        "import sys\n"
        "import gte_notes.cli, gte_notes.gui.window.app, gte_notes.eval.__main__, "
        "gte_notes.core.model.note_process\n"
        f"print([m for m in {offline.READ_AT_IMPORT!r} if m in sys.modules])\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in offline.TELEMETRY_OFF}
    done = _python(["-c", code], env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_model_layer_used_without_an_entry_point_writes_no_telemetry(
    tmp_path: Path, minilm_path: Path
) -> None:
    """A script or benchmark that loads the model through gte_notes.core without the CLI's or GUI's
    main: ONNX Runtime must not write its telemetry files (it did, in ~/.cache/Microsoft)."""
    code = (
        "from gte_notes.core.model.embedder import load_embedder\n"
        f"e = load_embedder({str(minilm_path)!r}, 'onnx-fp32')\n"
        "print(e.precision, e.encode(['a note about tomatoes']).shape)\n"
    )
    drop = {*offline.TELEMETRY_OFF, *offline.HUB_OFFLINE, "XDG_CACHE_HOME"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["HOME"] = str(tmp_path)
    done = _python(["-c", code], env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("onnx-fp32"), done.stdout
    assert not (tmp_path / ".cache" / "Microsoft").exists()


class _Hub(BaseHTTPRequestHandler):
    asked: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.asked.append(self.path)
        self.send_response(404)
        self.end_headers()

    do_HEAD = do_GET

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def local_hub() -> Iterator[tuple[str, list[str]]]:
    """A stand-in for the model hub on loopback that answers 404 and records what it was asked."""
    asked: list[str] = []
    handler = type("Hub", (_Hub,), {"asked": asked})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", asked
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("user_offline", [False, True])
def test_model_download_goes_online_only_when_asked(
    tmp_path: Path, local_hub: tuple[str, list[str]], user_offline: bool
) -> None:
    """`gte-notes model download` reaches the hub although the app runs offline otherwise; a user who
    set HF_HUB_OFFLINE=1 keeps it, and the download says it could not reach the hub."""
    endpoint, asked = local_hub
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path / "home"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "GTE_NOTES_CONFIG": str(tmp_path / "config"),
        "GTE_NOTES_HOME": str(tmp_path / "data"),
        "HF_ENDPOINT": endpoint,
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    if user_offline:
        env["HF_HUB_OFFLINE"] = "1"
    done = _python(["-m", "gte_notes", "model", "download", "someone/some-model"], env)
    assert done.returncode == 1, done.stderr
    assert 'Could not download model "someone/some-model"' in done.stderr
    if user_offline:
        assert asked == []
        assert "offline" in done.stderr.lower()
    else:
        assert any("someone/some-model" in path for path in asked), asked


# ---- the whole app under strace -------------------------------------------------------------------


class Traced:
    """Runs gte-notes commands under strace in a scrubbed environment: HOME and XDG_* in `root`."""

    def __init__(self, root: Path, model: Path) -> None:
        self.root, self.model = root, model
        self.home = root / "home"
        self.xdg = {
            name: root / "xdg" / name.lower()
            for name in (
                "XDG_CONFIG_HOME",
                "XDG_DATA_HOME",
                "XDG_CACHE_HOME",
                "XDG_STATE_HOME",
                "XDG_RUNTIME_DIR",
            )
        }
        self.tmp = root / "tmp"
        self.traces = root / "traces"
        for folder in (self.home, self.tmp, self.traces, *self.xdg.values()):
            folder.mkdir(parents=True)
        self.xdg["XDG_RUNTIME_DIR"].chmod(0o700)
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.home),
            "TMPDIR": str(self.tmp),
            "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONUNBUFFERED": "1",
            **{k: str(v) for k, v in self.xdg.items()},
        }
        self.runs = 0

    def owned(self) -> list[Path]:
        """The folders the app owns: its data, config and cache folders (platformdirs, "gte-notes")."""
        return [
            self.xdg[name] / "gte-notes" for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME")
        ]

    def argv(self, *args: str) -> list[str]:
        self.runs += 1
        trace = self.traces / f"{self.runs}-{args[0]}.txt"
        return [
            "strace",
            "-f",
            "-qq",
            "-y",
            "-s",
            "200",
            "-e",
            f"trace={TRACED}",
            "-o",
            str(trace),
            sys.executable,
            "-m",
            "gte_notes",
            "--model",
            str(self.model),
            *args,
        ]

    def run(self, *args: str, **env: str) -> str:
        done = subprocess.run(
            self.argv(*args),
            check=False,
            cwd=REPO_ROOT,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
        return done.stdout

    def problems(self, *also: Path) -> list[str]:
        """Every network use, name look-up and write outside the owned folders (and `also`),
        from all traces."""
        allowed = [*self.owned(), self.tmp, *also]
        found: list[str] = []
        for trace in sorted(self.traces.iterdir()):
            for line in trace.read_text(errors="replace").splitlines():
                match = SYSCALL.match(line)
                if match is None or match.group(2) == "execve":
                    continue
                call, rest = match.group(2), match.group(3)
                if call in ("connect", "sendto", "sendmsg"):
                    if "sa_family=AF_INET" in rest and ("htons(53)" in rest or not _loopback(rest)):
                        found.append(f"{trace.name}: {line}")
                    continue
                path = _first_path(rest)
                if path is None:
                    continue
                if call in ("open", "openat") and path in NAME_LOOKUP_FILES:
                    found.append(f"{trace.name}: name look-up: {line}")
                    continue
                writes = call not in ("open", "openat") or any(flag in rest for flag in WRITE_FLAGS)
                if writes and not _inside(path, allowed) and path not in SYSTEM_STATE:
                    found.append(f"{trace.name}: write outside the app's folders: {line}")
        return found


def _loopback(rest: str) -> bool:
    return bool(re.search(r'inet_addr\("127\.|inet_pton\(AF_INET6, "::1"|"::ffff:127\.', rest))


def _first_path(rest: str) -> str | None:
    """The path a call names; `openat(5</a/dir>, "name", …)` (strace -y) joined to its folder."""
    match = re.match(r'(?:(?:\d+|AT_FDCWD)(?:<([^>]*)>)?, )?"((?:[^"\\]|\\.)*)"', rest)
    if match is None:
        return None
    folder, name = match.groups()
    return os.path.join(folder, name) if folder and not name.startswith("/") else name


def _inside(path: str, roots: list[Path]) -> bool:
    if not path.startswith("/"):
        return False  # relative to the working directory (the repository): the app must not write there
    if path == "/dev/null" or path.startswith(("/dev/shm/", "/proc/", "/sys/", "/dev/pts/", "/dev/tty")):
        return True  # no file: the null device, shared memory of the model process's pipes, terminals
    resolved = Path(os.path.normpath(path))
    return any(resolved == root or root in resolved.parents for root in roots)


@pytest.mark.model
def test_the_app_sends_nothing_and_writes_only_its_own_folders(tmp_path: Path, minilm_path: Path) -> None:
    missing = _strace_works()
    if missing:
        pytest.skip(missing)
    app = Traced(tmp_path / "user", minilm_path)
    notes = tmp_path / "notes"
    notes.mkdir()
    for name, text in NOTES.items():
        (notes / name).write_text(text, encoding="utf-8")

    assert "10 new" in app.run("index", str(notes))
    assert "bread.md" in app.run("search", str(notes), "baking a loaf")
    assert "piano.md" in app.run("related", str(notes), "books.md")

    watch = subprocess.Popen(
        app.argv("watch", str(notes)),
        cwd=REPO_ROOT,
        env=app.env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        out = _wait_for(watch, "Scanned")  # its first scan: nothing changed since `index`
        (notes / "bread.md").write_text(NOTES["bread.md"] + "\nRye needs a longer proof.", encoding="utf-8")
        out += _wait_for(watch, "Updated")
        # SIGINT to the traced gte-notes process (strace's child), as Ctrl+C in a terminal would send.
        os.kill(_traced_child(watch.pid), signal.SIGINT)
        rest, _ = watch.communicate(timeout=300)
        assert watch.returncode == 0 and "Stopped." in rest, out + rest
    finally:
        if watch.poll() is None:
            watch.kill()
            watch.wait()

    # The GUI embeds the new note in its model process (note_process.py), then shows the results.
    (notes / NEW_NOTE[0]).write_text(NEW_NOTE[1], encoding="utf-8")
    shot = tmp_path / "shots" / "window.png"  # where the user asked for it
    shot.parent.mkdir()
    app.run(
        "gui", str(notes), "--query", "rock climbing", "--screenshot", str(shot), QT_QPA_PLATFORM="offscreen"
    )
    assert shot.stat().st_size > 0
    assert "spawn_main" in (app.traces / f"{app.runs}-gui.txt").read_text(errors="replace"), (
        "the GUI did not start its model process"
    )

    assert app.problems(shot.parent) == []
    left = sorted(
        str(p.relative_to(app.root))
        for p in app.root.rglob("*")
        if p.is_file() and not any(root in p.parents for root in app.owned()) and app.traces not in p.parents
    )
    assert left == [], "files outside the app's own folders"
    assert sorted(p.name for p in notes.iterdir()) == sorted([*NOTES, NEW_NOTE[0]])


def _wait_for(proc: subprocess.Popen[str], text: str, timeout: float = 600) -> str:
    assert proc.stdout is not None
    seen = ""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen += line
        if text in line:
            return seen
    raise AssertionError(f"no {text!r} from watch: {seen}")


def _traced_child(strace_pid: int) -> int:
    children = Path(f"/proc/{strace_pid}/task/{strace_pid}/children").read_text().split()
    assert children, "strace has no child"
    return int(children[0])
