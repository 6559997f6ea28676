"""What the precision check decided, remembered per (model, torch and onnxruntime versions, CPU
flags) in the data dir.

The check runs the calibration sentences through the fp32 model and through each reduced precision:
about a second of every start for an answer that only changes when the model, torch or the CPU does.
Those three (and the threshold and the precision asked for) are the key, so a new torch build, a moved
virtual machine with other CPU flags or another model checks again. A cache that cannot be read or
written only costs the check: it is never an error.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import platform
from pathlib import Path
from typing import Any

from gte_notes.core.files.json_file import read_json_object, write_json_atomic

CACHE_FILE = "precision-checks.json"
_MAX_ENTRIES = 50  # models x torch versions x machines a data dir realistically sees


def cpu_flags() -> list[str]:
    """The CPU's feature flags (Linux /proc/cpuinfo), sorted; empty elsewhere."""
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
        for line in fh:
            if line.startswith(("flags", "Features")):
                return sorted(set(line.split(":", 1)[1].split()))
    return []


def check_key(model_fingerprint: str, requested: str, min_cosine: float) -> str:
    flags = hashlib.sha256(" ".join([platform.machine(), *cpu_flags()]).encode()).hexdigest()[:16]
    # Versions from the installed metadata, not the modules: a start that runs on ONNX Runtime alone
    # must find its saved encoder without importing torch. A runtime installed or removed checks again.
    runtimes = " ".join(f"{dist} {installed_version(dist)}" for dist in ("torch", "onnxruntime"))
    return f"{model_fingerprint}|{runtimes}|cpu {flags}|{requested}|min cosine {min_cosine}"


def installed_version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


class PrecisionCache:
    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / CACHE_FILE

    def get(self, key: str) -> dict[str, Any] | None:
        entry = self._read().get(key)
        ok = (
            isinstance(entry, dict)
            and isinstance(entry.get("precision"), str)
            and isinstance(entry.get("note"), str)
            and isinstance(entry.get("dim"), int)
        )
        return entry if ok else None

    def put(self, key: str, precision: str, note: str, dim: int) -> None:
        entries = self._read()
        entries.pop(key, None)
        entries[key] = {"precision": precision, "note": note, "dim": dim}
        write_json_atomic(self.path, dict(list(entries.items())[-_MAX_ENTRIES:]), indent=1)

    def _read(self) -> dict[str, Any]:
        return read_json_object(self.path)
