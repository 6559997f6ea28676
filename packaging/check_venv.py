"""Check that the build venv is exactly packaging/requirements.lock (used by packaging/build.sh).

    check_venv.py LOCK

Fails when an installed distribution is missing from the lock or has another version (pip itself and
gte-notes, installed from the checkout, excepted), when Python is not the lock's 3.11, or when torch is
a CUDA/ROCm build (the app ships the CPU build only).
"""

from __future__ import annotations

import importlib.metadata as md
import re
import sys
from pathlib import Path

OWN = {"gte-notes", "pip"}


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked(lock: Path) -> dict[str, str]:
    pins = re.findall(r"^([A-Za-z0-9][\w.-]*)==(\S+)", lock.read_text(encoding="utf-8"), re.MULTILINE)
    return {norm(name): version for name, version in pins}


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: check_venv.py LOCK", file=sys.stderr)
        return 2
    lock = locked(Path(argv[1]))
    have = {norm(d.metadata["Name"]): d.version for d in md.distributions()}
    wrong = [
        f"{n} {v} (lock: {lock.get(n, 'not listed')})"
        for n, v in sorted(have.items())
        if n not in OWN and lock.get(n) != v
    ]
    missing = sorted(set(lock) - set(have))
    problems = []
    if wrong or missing:
        problems.append(
            "the build venv differs from the lock: " + ", ".join(wrong + [f"{n} missing" for n in missing])
        )
    if sys.version_info[:2] != (3, 11):
        problems.append(f"the lock is for Python 3.11, the build venv runs {sys.version.split()[0]}")
    import torch

    if torch.version.cuda or torch.version.hip:
        problems.append(f"torch {torch.__version__} is a CUDA/ROCm build; the app ships CPU torch only")
    for problem in problems:
        print(f"build.sh: {problem}", file=sys.stderr)
    if not problems:
        print(f"{len(have) - len(OWN & set(have))} packages as locked; torch {torch.__version__} (CPU)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
