"""Print the Debian `Depends:` value for a PyInstaller bundle (used by packaging/build.sh).

The bundle ships its Python libraries (torch, Qt from the wheel, numpy...) but takes system libraries
(X11/xcb, fontconfig, glib, OpenSSL, libstdc++...) from the distribution. Every shared library that an
ELF file in the bundle needs and the bundle does not carry must therefore come from a declared package,
or the app dies on a plain desktop with "could not load the Qt platform plugin" and no hint why.

How: read the NEEDED entries and GLIBC symbol versions of every ELF file (readelf), drop what the
bundle provides itself, and map each remaining soname to the package that owns it on this (Debian)
build machine. Sonames that this machine does not have installed come from KNOWN_PACKAGES; one that
is in neither place fails the build rather than shipping a .deb with a silent hole.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

# Qt loads these with dlopen or needs them at run time without a NEEDED entry we could see on a build
# machine without them; a plain desktop must get them by installing the .deb.
ALWAYS = [
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-keysyms1",
    "libxkbcommon-x11-0",
    "libegl1",
    "libgl1",
    "libfontconfig1",
    "libdbus-1-3",
]

# Soname -> Debian 12 package, for libraries a build machine may lack (a headless CI machine has no
# xcb utility libraries). Only consulted when dpkg on this machine does not know the soname.
KNOWN_PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-render.so.0": "libxcb1",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-glx.so.0": "libxcb-glx0",
    "libxcb-xinput.so.0": "libxcb-xinput0",
    "libxcb.so.1": "libxcb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libOpenGL.so.0": "libopengl0",
    "libGLX.so.0": "libglx0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libgobject-2.0.so.0": "libglib2.0-0",
    "libgio-2.0.so.0": "libglib2.0-0",
    "libwayland-client.so.0": "libwayland-client0",
    "libwayland-cursor.so.0": "libwayland-cursor0",
    "libwayland-egl.so.1": "libwayland-egl1",
    "libstdc++.so.6": "libstdc++6",
    "libgcc_s.so.1": "libgcc-s1",
    "libz.so.1": "zlib1g",
    "libzstd.so.1": "libzstd1",
}

# glibc's own libraries: one package, versioned by the newest GLIBC_x.y symbol anything uses.
GLIBC_SONAMES = {
    "libc.so.6",
    "libm.so.6",
    "libpthread.so.0",
    "libdl.so.2",
    "librt.so.1",
    "libutil.so.1",
    "ld-linux-x86-64.so.2",
    "ld-linux-aarch64.so.1",
    "libresolv.so.2",
    "libanl.so.1",
}


def _is_elf(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def elf_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and not p.is_symlink() and _is_elf(p)]


def needed_and_glibc(path: Path) -> tuple[set[str], str]:
    out = subprocess.run(
        ["readelf", "-d", "-V", "--wide", str(path)], check=False, capture_output=True, text=True
    ).stdout
    needed = set(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out))
    versions = re.findall(r"Name: GLIBC_(\d+(?:\.\d+)+)", out)
    newest = max(versions, key=lambda v: tuple(int(x) for x in v.split(".")), default="0")
    return needed, newest


def _ldconfig_paths() -> dict[str, str]:
    out = subprocess.run(["ldconfig", "-p"], check=False, capture_output=True, text=True).stdout
    paths: dict[str, str] = {}
    for line in out.splitlines():
        m = re.match(r"\s*(\S+) \(([^)]*)\) => (\S+)", line)
        if m and ("x86-64" in m.group(2) or "AArch64" in m.group(2) or os.uname().machine not in ("x86_64",)):
            paths.setdefault(m.group(1), m.group(3))
    return paths


def _owner(path: str) -> str | None:
    # usrmerge: dpkg may know the file as /lib/... or /usr/lib/..., and ldconfig may report either.
    seen = (path, os.path.realpath(path))
    candidates = [*seen, *(p[4:] if p.startswith("/usr/") else "/usr" + p for p in seen)]
    for candidate in candidates:
        res = subprocess.run(["dpkg", "-S", candidate], check=False, capture_output=True, text=True)
        if res.returncode == 0:
            return res.stdout.split(":", 1)[0].strip()
    return None


def depends(bundle: Path) -> tuple[list[str], list[str]]:
    """(Depends entries, sonames nobody provides) for the bundle folder."""
    files = elf_files(bundle)
    provided = {p.name for p in bundle.rglob("*")}
    needed: set[str] = set()
    glibc = "0"
    for f in files:
        n, g = needed_and_glibc(f)
        needed |= n
        glibc = max(glibc, g, key=lambda v: tuple(int(x) for x in v.split(".")))
    external = sorted(needed - provided - GLIBC_SONAMES)
    where = _ldconfig_paths()
    packages: set[str] = set(ALWAYS)
    unknown: list[str] = []
    for soname in external:
        pkg = _owner(where[soname]) if soname in where else None
        pkg = pkg or KNOWN_PACKAGES.get(soname)
        if pkg is None:
            unknown.append(soname)
        else:
            packages.add(pkg.split(":")[0])  # "libfoo1:amd64" -> "libfoo1"
    entries = [f"libc6 (>= {glibc})"] + sorted(packages - {"libc6"})
    return entries, unknown


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: deb_depends.py BUNDLE_DIR", file=sys.stderr)
        return 2
    entries, unknown = depends(Path(argv[1]))
    if unknown:
        print(
            "deb_depends: no Debian package known for: "
            + ", ".join(unknown)
            + " (install it on the build machine or add it to KNOWN_PACKAGES in packaging/deb_depends.py)",
            file=sys.stderr,
        )
        return 1
    print(", ".join(entries))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
