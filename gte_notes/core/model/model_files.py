"""Finding the embedding model on disk, and fetching it once.

Everything here except `download_model` is offline by construction: the app must start, index and
search with no network at all, and a missing model has to turn into a message the user can act on
rather than a stack trace from deep inside huggingface_hub.

Where a model comes from, in order:
1. a copy the app ships with, found by the name it was bundled as: in a frozen (PyInstaller) build
   `models/<org>--<name>/` next to the executable with a `bundled-model.json` naming the model, or the
   folder `$GTE_NOTES_BUNDLED_MODEL` (core/files/bundle.py);
2. a local folder the user named;
3. the local Hugging Face cache (`HF_HUB_CACHE`, else `HF_HOME/hub`, else `~/.cache/huggingface/hub`).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gte_notes.core.errors import KnownError, ModelMissingError
from gte_notes.core.files.bundle import bundled_model, is_model_folder
from gte_notes.core.files.config import DEFAULT_MODEL
from gte_notes.core.offline import online_for_download

log = logging.getLogger(__name__)

# What sentence-transformers needs to load a BERT-style model, and nothing else: the hub repo of
# gte-small also carries ONNX and PyTorch-pickle copies of the weights that would triple the download.
# The offline lookup must pass the same patterns, or huggingface_hub reports the snapshot incomplete.
MODEL_FILE_PATTERNS = [
    "*.json",
    "*.txt",
    "*.model",
    "model.safetensors",
    "*/model.safetensors",
    # A model with code of its own (config.json auto_map) needs it to load offline; fetching it runs
    # nothing: model_catalog.check_remote_code decides whether it may run.
    "*.py",
]
# A repository that holds only another model's code (gte-multilingual-base's lives in a second one).
CODE_FILE_PATTERNS = ["*.py", "*.json"]
_FALLBACK_WEIGHT_PATTERNS = ["pytorch_model.bin", "*/pytorch_model.bin"]
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth")
_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


def hub_cache_dir() -> Path:
    """The Hugging Face hub cache folder, read from the environment at call time.

    huggingface_hub reads these variables once at import; reading them here instead means a changed
    HF_HOME (a test, or a launcher that sets it late) is honoured.
    """
    explicit = os.environ.get("HF_HUB_CACHE") or os.environ.get("HUGGINGFACE_HUB_CACHE")
    if explicit:
        return Path(os.path.expandvars(explicit)).expanduser()
    home = os.environ.get("HF_HOME")
    if not home:
        xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        home = os.path.join(xdg, "huggingface")
    return Path(os.path.expandvars(home)).expanduser() / "hub"


def _looks_like_path(name: str) -> bool:
    # Hub ids are "org/name"; anything else the user typed is meant as a folder.
    if os.path.isabs(name) or name.startswith((".", "~")):
        return True
    if os.sep != "/" and os.sep in name:
        return True
    return not _REPO_ID.match(name)


def _missing_message(name: str) -> str:
    if name == DEFAULT_MODEL:
        fetch = 'Run "gte-notes model download" to fetch it once (about 70 MB)'
    else:
        fetch = f'Run "gte-notes model download {name}" to fetch it once'
    return (
        f'Model "{name}" is not on this computer. {fetch}, '
        "or pass --model PATH to a sentence-transformers model folder."
    )


def cached_snapshot(repo_id: str, cache_dir: Path | None = None) -> Path | None:
    """The snapshot folder of `repo_id` in the local hub cache, or None. Never touches the network."""
    from huggingface_hub import snapshot_download

    cache = cache_dir or hub_cache_dir()
    if not (cache / f"models--{repo_id.replace('/', '--')}").is_dir():
        return None  # skip huggingface_hub entirely for the common "never downloaded" case
    try:
        folder = snapshot_download(
            repo_id, cache_dir=str(cache), local_files_only=True, allow_patterns=MODEL_FILE_PATTERNS
        )
    except (OSError, ValueError):  # no ref, a partial snapshot (huggingface_hub's OSErrors): "not here"
        log.debug("no usable snapshot of %s in %s", repo_id, cache, exc_info=True)
        return None
    path = Path(folder)
    return path if is_model_folder(path) else None


def resolve_model_path(name_or_path: str) -> Path:
    """Where the model named `name_or_path` is on this computer, without using the network.

    Raises ModelMissingError (exit code 2) with what to do when it is nowhere to be found.
    """
    bundled = bundled_model(name_or_path)
    if bundled is not None:
        return bundled.path

    as_path = Path(name_or_path).expanduser()
    if as_path.is_dir():
        if is_model_folder(as_path):
            return as_path
        raise ModelMissingError(
            f'"{as_path}" is a folder but not a model folder (it has no config.json or modules.json). '
            "Pass --model PATH to a sentence-transformers model folder."
        )
    if _looks_like_path(name_or_path):
        raise ModelMissingError(
            f'Model folder "{as_path}" does not exist. Pass --model PATH to a sentence-transformers model '
            f'folder, or leave --model out to use "{DEFAULT_MODEL}".'
        )

    snapshot = cached_snapshot(name_or_path)
    if snapshot is not None:
        return snapshot
    raise ModelMissingError(_missing_message(name_or_path))


def model_fingerprint(path: Path) -> str:
    """A short id of the model's content, independent of where the folder is.

    Hashes the configuration files' bytes and the names and sizes of the weight files: hashing the
    weights themselves would add a second to every start, and a different model with identical config
    and byte-identical weight sizes is not a realistic accident.
    """
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file() and ".cache" not in p.parts)
    for file in files:
        rel = file.relative_to(path).as_posix()
        is_config = rel in ("config.json", "modules.json", "sentence_bert_config.json") or (
            rel.count("/") == 1 and rel.endswith("/config.json")
        )
        if is_config:
            digest.update(f"config {rel}\n".encode())
            digest.update(file.read_bytes())
        elif file.suffix in _WEIGHT_SUFFIXES:
            digest.update(f"weights {rel} {file.stat().st_size}\n".encode())
    return digest.hexdigest()[:16]


def _remote_total_bytes(repo_id: str, endpoint: str | None, patterns: list[str]) -> int:
    """Bytes the download will fetch, for the progress total; 0 when unknown."""
    from huggingface_hub import HfApi
    from huggingface_hub.utils import filter_repo_objects

    info = HfApi(endpoint=endpoint).model_info(repo_id, files_metadata=True)
    sizes = {s.rfilename: s.size or 0 for s in info.siblings or []}
    wanted = set(filter_repo_objects(sizes, allow_patterns=patterns))
    if not any(name.endswith(".safetensors") for name in wanted):
        wanted |= set(filter_repo_objects(sizes, allow_patterns=_FALLBACK_WEIGHT_PATTERNS))
    return sum(sizes[name] for name in wanted)


def _blob_bytes(blobs: Path) -> int:
    total = 0
    if blobs.is_dir():
        for entry in os.scandir(blobs):
            with contextlib.suppress(OSError):  # a temp file renamed between scandir and stat
                total += entry.stat().st_size
    return total


@online_for_download()  # the app's one use of the network, asked for by the user
def download_model(
    repo_id: str, progress: Callable[[int, int], None] | None = None, *, patterns: list[str] | None = None
) -> Path:
    """Fetch `repo_id` into the local hub cache and return its snapshot folder.

    The only function in gte-notes that uses the network. `progress(done, total)` is called from a
    helper thread about four times a second with bytes written so far and bytes expected (total is 0
    when the hub did not say). Bytes are read off the cache's blob folder rather than from
    huggingface_hub's progress bars, whose shape changes between its releases. `patterns`: fetch only
    these files, and do not expect a model (a repository of code, CODE_FILE_PATTERNS).
    """
    wanted = patterns or MODEL_FILE_PATTERNS
    from huggingface_hub import snapshot_download

    cache = hub_cache_dir()
    endpoint = os.environ.get("HF_ENDPOINT") or None
    blobs = cache / f"models--{repo_id.replace('/', '--')}" / "blobs"
    try:
        total = _remote_total_bytes(repo_id, endpoint, wanted)
        start = _blob_bytes(blobs)
        done_event = threading.Event()

        def report() -> None:
            assert progress is not None
            while not done_event.wait(0.25):
                done = _blob_bytes(blobs) - start
                progress(min(done, total) if total else done, total)

        reporter = threading.Thread(target=report, name="model-download-progress", daemon=True)
        if progress is not None:
            reporter.start()
        try:
            folder = Path(
                snapshot_download(repo_id, cache_dir=str(cache), allow_patterns=wanted, endpoint=endpoint)
            )
            if patterns is None and not any(folder.glob("*.safetensors")):
                # Older repos ship only pickled weights; fetch those rather than fail.
                folder = Path(
                    snapshot_download(
                        repo_id,
                        cache_dir=str(cache),
                        allow_patterns=MODEL_FILE_PATTERNS + _FALLBACK_WEIGHT_PATTERNS,
                        endpoint=endpoint,
                    )
                )
        finally:
            done_event.set()
            if reporter.is_alive():
                reporter.join()
    except _download_errors() as err:  # the network, the disk or the hub said no: the environment's fault
        raise KnownError(
            f'Could not download model "{repo_id}" ({type(err).__name__}: {_first_line(err)}). '
            "Check the internet connection and try again, or copy a sentence-transformers model folder "
            "to this computer and pass --model PATH."
        ) from err
    if progress is not None:
        final = _blob_bytes(blobs) - start
        progress(total or final, total or final)
    if patterns is None and not is_model_folder(folder):
        raise KnownError(f'The download of "{repo_id}" did not contain a model (no config.json in {folder}).')
    return folder


def _download_errors() -> tuple[type[BaseException], ...]:
    """What a failed download raises: the hub's HTTP errors (most are OSError too), a missing file,
    the HTTP client's transport errors, a bad repo id. Anything else is a bug and is not reworded."""
    from huggingface_hub import errors

    found: list[type[BaseException]] = [
        OSError,
        ValueError,
        errors.HTTPError,
        errors.EntryNotFoundError,
        errors.XetDownloadError,
    ]
    try:  # the HTTP client huggingface_hub uses (its name has changed between releases)
        import httpx2

        found.append(httpx2.HTTPError)
    except ImportError:
        pass
    return tuple(found)


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return text[0][:200] if text else "no details"


def check_vocabulary(path: Path, tokenizer: Any, config: Any) -> None:
    """Refuse a tokenizer that cannot spell the model's words. Without tokenizer.json and vocab.txt,
    transformers still builds a tokenizer - from the special tokens alone - and every word becomes
    [UNK]: indexing "succeeds" and every note gets the same vector. Models pad their embedding table
    beyond the tokenizer's vocabulary (to a multiple of 64 or so), so only a tokenizer that knows
    less than half of it is taken as missing."""
    expected = getattr(config, "vocab_size", None)
    have = tokenizer.get_vocab_size(with_added_tokens=True)
    if isinstance(expected, int) and expected > 0 and have * 2 < expected:
        raise ModelMissingError(
            f'The model in "{path}" has no usable tokenizer: it knows {have:,} tokens where the model '
            f"expects {expected:,} (tokenizer.json or vocab.txt is missing or damaged), so every word "
            'would be read as "unknown". Fetch the model again with "gte-notes model download", or pass '
            "--model PATH to a complete sentence-transformers model folder."
        )
