"""The ANN's files on disk, checked before hnswlib sees them: the manifest, checksums, atomic writes.

hnswlib can crash the process (not raise) on a damaged file, so a file is loaded only after its
manifest vouches for it: size and sha256 match, same model, dimension and format, and a few of its
labels still name the same chunk texts in this database (a database rebuilt from scratch reuses chunk
ids). Files are written to a temporary name and os.replace'd, index first and manifest last.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from gte_notes.core.errors import StoreError
from gte_notes.core.files.private_files import private_file
from gte_notes.core.index.ann_backends import IncompleteWrite
from gte_notes.core.index.store import Store

FORMAT = 2
PROBES = 16  # chunks whose text hash the manifest records, to recognise its database


@dataclass(frozen=True)
class Manifest:
    sha256: str
    size: int
    count: int
    max_label: int
    dim: int
    model_id: str
    generation: int
    format: int = FORMAT
    kind: str = "hnsw"  # "exact": int64 ids then float32 rows; "hnsw": an hnswlib file
    live: str = ""  # hnsw only: base64(zlib(packbits)) of live labels; the file keeps deleted ones
    probe: list = field(default_factory=list)  # [label, text_hash] of a few live chunks


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    private_file(tmp)
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _no_room(directory: Path) -> bool:
    try:
        st = os.statvfs(directory)
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < 1 << 20


def read_manifest(manifest_file: Path) -> Manifest | None:
    try:
        return Manifest(**json.loads(manifest_file.read_text()))
    except (OSError, ValueError, TypeError):
        return None


def write_manifest(manifest_file: Path, manifest: Manifest) -> None:
    _write_atomic(manifest_file, json.dumps(asdict(manifest)).encode())


def verify(file: Path, manifest_file: Path, dim: int, model_id: str) -> tuple[Manifest | None, str]:
    """(the manifest, "") when `file` is what it vouches for; else (None, what is wrong)."""
    manifest = read_manifest(manifest_file)
    if manifest is None:
        return None, "manifest missing or unreadable"
    if manifest.format != FORMAT or manifest.dim != dim or manifest.model_id != model_id:
        return None, "index made for another model or format"
    try:
        size = file.stat().st_size
    except OSError:
        return None, "index file missing"
    if size != manifest.size:
        return None, f"index file size {size} != {manifest.size}"
    if sha256(file) != manifest.sha256:
        return None, "index file checksum mismatch"
    return manifest, ""


def probe(store: Store, labels: np.ndarray) -> list:
    """[label, text hash] of a few of `labels`, spread over them, for the manifest."""
    if not labels.size:
        return []
    picks = np.unique(labels[np.linspace(0, labels.size - 1, min(PROBES, labels.size)).astype(int)])
    return [[label, text_hash] for label, text_hash in store.chunk_hashes(picks.tolist()).items()]


def probe_problem(store: Store, manifest: Manifest) -> str:
    """A database made again from scratch reuses chunk ids for other texts: check a few."""
    if not manifest.probe:
        return ""
    now = store.chunk_hashes(int(label) for label, _ in manifest.probe)
    if any(now.get(int(label), text_hash) != text_hash for label, text_hash in manifest.probe):
        return "index file belongs to another database"
    return ""


def save_error(directory: Path, err: OSError) -> StoreError:
    """What the user is told when saving the ANN in `directory` failed."""
    # A short file with no error (IncompleteWrite) on a disk with no room left is a full disk too.
    full = err.errno in (errno.ENOSPC, errno.EDQUOT) or (
        isinstance(err, IncompleteWrite) and _no_room(directory)
    )
    kept = (
        "Nothing was lost: your notes and the index database are intact, and the search index is "
        "rebuilt from the database when it is next opened."
    )
    if full:
        return StoreError(
            f"The disk is full: could not save the search index in {directory}. {kept} "
            "Free some space and it will be saved again."
        )
    return StoreError(f"Could not save the search index in {directory} ({err.strerror or err}). {kept}")
