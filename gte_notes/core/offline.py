"""Nothing leaves the machine: every dependency's telemetry switched off and its model hub offline.

The switches are environment variables that the libraries read once, when they are imported (ONNX
Runtime when its native library starts, huggingface_hub into its `constants` module), so
`stay_offline()` runs first thing in every process of the app: the CLI's `main`, the GUI's start,
the notes' model process (spawned: it inherits the environment, and sets it again before it imports
the model), the evaluation and the frozen app. Setting them later does nothing.

What each one stops (checked with strace and an empty HOME, tests/core/test_privacy.py):
- ONNX Runtime (>= 1.2x official builds) runs Microsoft's 1DS telemetry on Linux: it writes
  ~/.cache/Microsoft/DeveloperTools/.onnxruntime/{deviceid,onnxruntime.db} and resolves its event
  collector's name. `onnxruntime.disable_telemetry_events()` does not stop that; ORT_DISABLE_TELEMETRY does.
- huggingface_hub (and transformers and sentence-transformers, which reach the hub through it) sends
  usage pings with its requests, fetches an "agent harnesses" list and (its CLI) checks for updates,
  unless offline or told not to (HF_HUB_DISABLE_TELEMETRY, DO_NOT_TRACK, HF_HUB_DISABLE_UPDATE_CHECK).
- HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE: the app only ever loads a model from disk (model_files.py);
  offline, no library can decide on its own to ask the hub whether a file is newer.
- torch and tokenizers have no telemetry to switch off (torch's API-usage logging stays in the process);
  the strace test sees no socket from them either.

The one time the app goes online is when the user asks for a model to be downloaded
(`gte-notes model download`, or Download in the GUI's model dialog): `online_for_download()` lifts the
hub's offline switch for that download only, unless the user had set HF_HUB_OFFLINE themselves.
Telemetry stays off then too.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

TELEMETRY_OFF = {
    "ORT_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
    "HF_HUB_DISABLE_UPDATE_CHECK": "1",
}
HUB_OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}

# The libraries that read these switches when imported: imported before stay_offline(), they keep the
# defaults (telemetry on) for the rest of the process.
READ_AT_IMPORT = ("onnxruntime", "huggingface_hub", "transformers", "sentence_transformers")

_user_offline: bool | None = (
    None  # the user's own HF_HUB_OFFLINE/TRANSFORMERS_OFFLINE, seen on the first call
)


def _is_true(value: str | None) -> bool:
    return (value or "").strip().upper() in {"1", "ON", "YES", "TRUE"}


def stay_offline() -> list[str]:
    """Switch every dependency's telemetry off and its hub access offline, in this process's environment
    (and so in every process it starts). Returns the libraries already imported, for which it comes too
    late (a bug: the tests assert it is empty for every entry point)."""
    global _user_offline
    if _user_offline is None:
        _user_offline = _is_true(os.environ.get("HF_HUB_OFFLINE")) or _is_true(
            os.environ.get("TRANSFORMERS_OFFLINE")
        )
    os.environ.update(TELEMETRY_OFF)
    os.environ.update(HUB_OFFLINE)
    return [name for name in READ_AT_IMPORT if name in sys.modules]


@contextlib.contextmanager
def online_for_download() -> Iterator[None]:
    """The hub reachable for a download the user asked for, then offline again.

    huggingface_hub read HF_HUB_OFFLINE into `constants.HF_HUB_OFFLINE` when it was imported and checks
    that value before every request, so that is what is lifted (and the environment, for anything
    imported meanwhile). A user who set HF_HUB_OFFLINE themselves keeps it: the download then fails
    with the hub's "offline mode is enabled" message."""
    if _user_offline or _user_offline is None and _is_true(os.environ.get("HF_HUB_OFFLINE")):
        yield
        return
    from huggingface_hub import constants

    saved_env = {name: os.environ.get(name) for name in HUB_OFFLINE}
    saved_constant = constants.HF_HUB_OFFLINE
    for name in HUB_OFFLINE:
        os.environ.pop(name, None)
    constants.HF_HUB_OFFLINE = False
    try:
        yield
    finally:
        constants.HF_HUB_OFFLINE = saved_constant
        for name, value in saved_env.items():
            if value is not None:
                os.environ[name] = value
