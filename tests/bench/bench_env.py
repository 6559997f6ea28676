"""What every benchmark prints beside its numbers: date, machine, load, memory.

The machine may be shared, so the load average is printed with every table: numbers taken at a
load above the core count are slower than the machine can do.
"""

from __future__ import annotations

import datetime
import os
import platform
import resource
from pathlib import Path

from gte_notes.core.offline import stay_offline

# Benchmarks load onnxruntime and the hub libraries in-process: their telemetry off, as in the app.
stay_offline()

CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "gte-notes-bench"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


# The flags that decide which kernels run (int8 dot products, bf16, wide vectors): a number from one
# machine says little about another without them.
SPEED_FLAGS = (
    "avx",
    "avx2",
    "fma",
    "f16c",
    "avx512f",
    "avx512bw",
    "avx512vl",
    "avx512_vnni",
    "avx_vnni",
    "avx512_bf16",
    "amx_bf16",
    "amx_int8",
    "amx_tile",
    "asimd",
    "sve",
)


def cpu_flags() -> str:
    """The speed-relevant CPU flags lscpu would list (from /proc/cpuinfo), present ones only."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(("flags", "Features")):
                have = set(line.split(":", 1)[1].split())
                return " ".join(f for f in SPEED_FLAGS if f in have) or "none of " + " ".join(SPEED_FLAGS)
    except OSError:
        pass
    return "unknown"


def header(name: str) -> str:
    now = datetime.datetime.now().isoformat(timespec="minutes")
    return (
        f"{name}  {now}\nmachine: {cpu_model()}; {os.cpu_count()} cores; "
        f"{total_ram_gb():.0f} GB RAM; Python {platform.python_version()}\nCPU flags: {cpu_flags()}\n"
        f"load average: {load()}"
    )


def load() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def total_ram_gb() -> float:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9
    except (ValueError, OSError):
        return 0.0


def _status_mb(field: str, pid: int | str = "self") -> float | None:
    """A kB field of /proc/PID/status (Linux) in MB; None where there is no such file."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def rss_mb() -> float:
    """Resident memory now (Linux), in MB."""
    now = _status_mb("VmRSS")
    return float("nan") if now is None else now


def children_rss_mb() -> float:
    """Resident memory of this process's children and theirs (the app's model process), in MB."""
    return sum(_status_mb("VmRSS", pid) or 0.0 for pid in _descendants(os.getpid()))


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(c) for c in (task / "children").read_text().split()]
    except OSError:
        pass
    return found + [g for c in found for g in _descendants(c)]


def private_mb() -> float:
    """Memory only this process holds (USS: private pages), in MB; RSS also counts shared library pages."""
    try:
        total = 0
        for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
            if line.startswith(("Private_Clean:", "Private_Dirty:")):
                total += int(line.split()[1])
        return total / 1024
    except OSError:
        return float("nan")


def peak_rss_mb() -> float:
    """The most resident memory this process has had, in MB.

    VmHWM, not getrusage's ru_maxrss: Linux carries the parent's high-water mark into a child it
    forks and execs (exec records the old address space's peak), so a probe started by a benchmark
    holding 1 GB reported a 1 GB peak of its own."""
    peak = _status_mb("VmHWM")
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 if peak is None else peak


def table(headers: list[str], rows: list[list[object]]) -> str:
    """A Markdown table, so it can be pasted into README.md as it is."""
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    out = [
        "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |",
        "|" + "|".join("-" * (w + 2) for w in widths) + "|",
    ]
    out += ["| " + " | ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in cells]
    return "\n".join(out)
