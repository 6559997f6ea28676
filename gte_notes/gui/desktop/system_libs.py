"""Before Qt starts on Linux: is there a display, and are the xcb libraries its platform plugin
needs installed?

Without either, Qt prints "Could not load the Qt platform plugin "xcb"" and aborts (exit 134, a core
dump), which tells a user nothing about what is wrong: with no display (ssh, a server) its hint even
names xcb-cursor0 when that is installed. PySide6 from pip brings Qt but not the system libraries (the
.deb lists them as dependencies), so a bare system installing with pip is the usual case.
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


# Qt platforms that draw to a display server, and the variable that says where one is.
_DISPLAY_VARS = {"xcb": ("DISPLAY",), "wayland": ("WAYLAND_DISPLAY",), "wayland-egl": ("WAYLAND_DISPLAY",)}


def display_problem(env: dict[str, str] | None = None, platform: str = sys.platform) -> str:
    """A message saying what to do when there is no display to open the window on, else ""."""
    env = dict(os.environ) if env is None else env
    if not platform.startswith("linux"):
        return ""
    asked = [p.split(":")[0] for p in env.get("QT_QPA_PLATFORM", "").split(";") if p]
    if not asked:  # Qt's own choice: Wayland when a compositor is there, else X11
        asked = ["wayland", "xcb"]
    for name in asked:
        needs = _DISPLAY_VARS.get(name)
        if needs is None or any(env.get(var) for var in needs):
            return ""  # offscreen, eglfs, vnc…: no display server needed; or one is named
    return (
        "gte-notes: no display to open the window on (DISPLAY and WAYLAND_DISPLAY are not set: "
        "an ssh session or a server?).\n"
        "- Search from the command line instead: gte-notes index|search|related|watch FOLDER "
        "(see gte-notes --help).\n"
        "- A screenshot without a display: QT_QPA_PLATFORM=offscreen gte-notes gui FOLDER --query TEXT "
        "--screenshot FILE.png\n"
        "- Or start gte-notes from a desktop session (or ssh -X)."
    )


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
    return (
        "gte-notes: the desktop app needs system libraries that are not installed.\n"
        f"On Debian or Ubuntu: sudo apt install {' '.join(missing)}\n"
        "(Other systems: the xcb-cursor, xcb-icccm, xcb-keysyms, xkbcommon-x11… packages.)\n"
        "The command-line tools (gte-notes index/search/related) work without them."
    )
