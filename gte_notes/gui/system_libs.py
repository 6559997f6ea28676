"""Before Qt starts on X11: are the xcb libraries its platform plugin needs installed?

Without them Qt prints "Could not load the Qt platform plugin "xcb"" and aborts, which tells a user
nothing about what to install. PySide6 from pip brings Qt but not these system libraries (the .deb
lists them as dependencies), so a bare system installing with pip is the usual case.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable

# The shared libraries Qt 6's xcb plugin loads (`ldd libQt6XcbQpa.so.6`, PySide6 6.11), and the
# Debian/Ubuntu package that provides each.
XCB_LIBS = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libEGL.so.1": "libegl1",
    "libfontconfig.so.1": "libfontconfig1",
}


def _loads(soname: str) -> bool:
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def uses_xcb(env: dict[str, str] | None = None, platform: str = sys.platform) -> bool:
    """Qt will pick its xcb plugin: Linux, no other platform asked for, not a Wayland session."""
    env = dict(os.environ) if env is None else env
    asked = env.get("QT_QPA_PLATFORM", "")
    if not platform.startswith("linux"):
        return False
    if asked:
        return asked.split(":")[0] == "xcb" or asked.startswith("xcb;")
    return not env.get("WAYLAND_DISPLAY")


def missing_xcb_packages(loads: Callable[[str], bool] = _loads) -> list[str]:
    """The Debian packages whose libraries cannot be loaded, in a stable order."""
    return sorted({pkg for soname, pkg in XCB_LIBS.items() if not loads(soname)})


def xcb_problem(env: dict[str, str] | None = None, loads: Callable[[str], bool] = _loads) -> str:
    """A message saying what to install, or "" when Qt can start (or will not use xcb)."""
    if not uses_xcb(env):
        return ""
    missing = missing_xcb_packages(loads)
    if not missing:
        return ""
    return ("gte-notes: the desktop app needs system libraries that are not installed.\n"
            f"On Debian or Ubuntu: sudo apt install {' '.join(missing)}\n"
            "(Other systems: the xcb-cursor, xcb-icccm, xcb-keysyms, xkbcommon-x11… packages.)\n"
            "The command-line tools (gte-notes index/search/related) work without them.")
