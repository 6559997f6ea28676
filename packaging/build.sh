#!/usr/bin/env bash
# Build the gte-notes desktop installer: a PyInstaller onedir bundle, then a .deb made from it.
#
#   bash packaging/build.sh [--model-dir PATH [--model-id ORG/NAME]] [--out DIR] [--venv DIR] [--python PY]
#                           [--reuse-bundle] [--compress xz|zstd]
#
#   --model-dir PATH  a sentence-transformers model folder to ship inside the app, used before anything
#                     else (works with no network at all). A release ships gte-small: its snapshot folder
#                     in a Hugging Face cache (.../models--thenlper--gte-small/snapshots/REV).
#                     Without it the installed app finds the model in the Hugging Face cache, as pip does.
#   --model-id ID     the hub id of the model in --model-dir, recorded beside it in the bundle and shown
#                     by the app; may be left out for a Hugging Face cache snapshot (its path names it)
#   --out DIR         where everything goes [packaging/out]; the .deb is OUT/gte-notes_VERSION_ARCH.deb
#   --venv DIR        the build environment [OUT/venv-lock]: made from packaging/requirements.lock only
#                     (exact versions, sha256-checked) plus this checkout with --no-deps; one made from
#                     another lock is made anew, and one holding anything else fails the build
#   --python PY       the Python 3.11 that a new build venv is made with [python3]
#   --reuse-bundle    skip PyInstaller and repackage OUT/dist/gte-notes (for iterating on the .deb only)
#   --compress        .deb compression [xz]: xz -6 is the smallest; zstd -10 is ~10x less CPU, ~13% larger
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$HERE")"
LOCK="$HERE/requirements.lock"
MODEL_DIR="" MODEL_ID="" BASE_PY="python3" VENV="" OUT="$HERE/out" REUSE=0 COMPRESS="xz"
while [ $# -gt 0 ]; do
  case "$1" in
    --model-dir) MODEL_DIR="$2"; shift 2 ;;
    --model-id) MODEL_ID="$2"; shift 2 ;;
    --python) BASE_PY="$2"; shift 2 ;;
    --venv) VENV="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --reuse-bundle) REUSE=1; shift ;;
    --compress) COMPRESS="$2"; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "build.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
VENV="${VENV:-$OUT/venv-lock}"
PY="$VENV/bin/python"
if [ -n "$MODEL_DIR" ]; then
  MODEL_DIR="$(cd "$MODEL_DIR" && pwd)"
  [ -f "$MODEL_DIR/config.json" ] || [ -f "$MODEL_DIR/modules.json" ] \
    || { echo "build.sh: $MODEL_DIR is not a model folder (no config.json or modules.json)" >&2; exit 2; }
fi
step() { printf '\n== %s (%ds)\n' "$1" "$SECONDS"; }
VERSION="$(sed -n 's/^__version__ = "\(.*\)"/\1/p' "$REPO/gte_notes/__init__.py")"
ARCH="$(dpkg --print-architecture)"
BUNDLE="$OUT/dist/gte-notes"

if [ "$REUSE" = 0 ]; then
  step "Python environment from the lock"
  lock_sum="$(sha256sum "$LOCK" | cut -d' ' -f1)"
  if [ ! -x "$PY" ] || [ "$(cat "$VENV/.lock-sha256" 2>/dev/null)" != "$lock_sum" ]; then
    rm -rf "$VENV"
    "$BASE_PY" -m venv "$VENV"
    # Hash-checking mode: every package, dependencies included, must be in the lock at its exact
    # version, and every file pip installs must match a recorded sha256 (torch: the local CPU wheel's).
    "$PY" -m pip install -q --require-hashes -r "$LOCK" >>"$OUT/pip.log" 2>&1 \
      || { tail -20 "$OUT/pip.log" >&2; echo "build.sh: installing $LOCK failed" >&2; exit 1; }
    echo "$lock_sum" > "$VENV/.lock-sha256"
  fi
  # The app itself, from this checkout: --no-deps, so nothing outside the lock comes in, and no build
  # isolation, so it is built with the locked setuptools rather than whatever the index serves today.
  "$PY" -m pip install -q --no-deps --no-build-isolation --force-reinstall "$REPO" >>"$OUT/pip.log" 2>&1 \
    || { tail -20 "$OUT/pip.log" >&2; exit 1; }
  "$PY" "$HERE/check_venv.py" "$LOCK"

  step "PyInstaller (onedir)"
  rm -rf "$BUNDLE"
  "$PY" -m PyInstaller --noconfirm --log-level WARN --distpath "$OUT/dist" --workpath "$OUT/work" \
    "$HERE/gte-notes.spec" > "$OUT/pyinstaller.log" 2>&1 \
    || { tail -40 "$OUT/pyinstaller.log" >&2; exit 1; }

  step "Trim"
  # Symbol tables are for debuggers: a fifth of libtorch_cpu.so. Dynamic symbols stay, so dlopen works.
  find "$BUNDLE/_internal/torch/lib" -name '*.so*' -type f -exec strip --strip-unneeded {} +
  find "$BUNDLE" \( -name '*.h' -o -name '*.hpp' -o -name '*.cuh' -o -name '*.a' -o -name '*.pyi' \) -delete
  find "$BUNDLE" -depth -type d \( -name tests -o -name test \) -path '*/_internal/*' \
    ! -path '*/torch/testing*' -exec rm -rf {} +
fi
[ -x "$BUNDLE/gte-notes" ] || { echo "build.sh: no bundle at $BUNDLE" >&2; exit 1; }

step "Model"
rm -rf "$BUNDLE/models"
if [ -n "$MODEL_DIR" ]; then
  # Under its own name, with bundled-model.json saying which model it is (gte_notes/core/files/bundle.py).
  python3 "$HERE/copy_model.py" "$MODEL_DIR" "$BUNDLE/models" ${MODEL_ID:+"$MODEL_ID"} | tee "$OUT/model.log"
  MODEL_ID="$(sed -n 's/^bundled model: \([^,]*\),.*/\1/p' "$OUT/model.log")"
else
  echo "no --model-dir: the installed app will use the Hugging Face cache"
fi

step "Check the bundle"
bad="$(find "$BUNDLE" \( -iname 'libcud*' -o -iname 'libcublas*' -o -iname 'libnvrtc*' -o -iname 'libnccl*' \
  -o -iname 'libnvjitlink*' -o -iname 'libamdhip*' -o -path '*/nvidia/*' -o -iname 'libQt6WebEngine*' -o -iname 'libQt6Quick*' -o -iname 'libQt6Qml*' \
  -o -iname 'libQt6Pdf*' -o -name '*.h' \) -type f ! -name '*.py' ! -name '*.pyc' | head -20)"
if [ -n "$bad" ]; then
  echo "build.sh: the bundle holds files it must not ship:" >&2; echo "$bad" >&2; exit 1
fi
if [ -n "$MODEL_DIR" ]; then
  bash "$HERE/check_bundle.sh" "$BUNDLE" "$MODEL_ID" || { echo "build.sh: the frozen app cannot run its model" >&2; exit 1; }
else
  # Without a model only the start is checked: the import of the model stack waits for one.
  "$BUNDLE/gte-notes" --version || { echo "build.sh: the frozen app does not start" >&2; exit 1; }
  echo "build.sh: no --model-dir, so the frozen model stack was not run (it is with --model-dir)"
fi

step "Debian package"
STAGE="$OUT/deb-root"
rm -rf "$STAGE"
mkdir -p "$STAGE/DEBIAN" "$STAGE/usr/lib" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
  "$STAGE/usr/share/icons/hicolor/scalable/apps" "$STAGE/usr/share/icons/hicolor/256x256/apps" \
  "$STAGE/usr/share/doc/gte-notes"
cp -al "$BUNDLE" "$STAGE/usr/lib/gte-notes" 2>/dev/null || cp -a "$BUNDLE" "$STAGE/usr/lib/gte-notes"
# Relative, so the link also works in a tree unpacked with `dpkg -x` somewhere other than /.
ln -s ../lib/gte-notes/gte-notes "$STAGE/usr/bin/gte-notes"

res() { echo "$REPO/resources/$1"; }
install -m 644 "$(res gte-notes.desktop)" "$STAGE/usr/share/applications/gte-notes.desktop"
install -m 644 "$(res gte-notes.svg)" "$STAGE/usr/share/icons/hicolor/scalable/apps/gte-notes.svg"
if [ -f "$REPO/resources/gte-notes.png" ]; then
  install -m 644 "$REPO/resources/gte-notes.png" "$STAGE/usr/share/icons/hicolor/256x256/apps/gte-notes.png"
else
  # Menus that ignore SVG still get an icon: render one with the build environment's Qt.
  QT_QPA_PLATFORM=offscreen "${PY:-python3}" - "$(res gte-notes.svg)" \
    "$STAGE/usr/share/icons/hicolor/256x256/apps/gte-notes.png" <<'EOF' 2>/dev/null \
    || { echo "no PySide6 to render a PNG icon; shipping the SVG only"; rm -rf "$STAGE/usr/share/icons/hicolor/256x256"; }
import sys
from PySide6.QtGui import QGuiApplication, QIcon
app = QGuiApplication([])
assert QIcon(sys.argv[1]).pixmap(256, 256).save(sys.argv[2])
EOF
fi
cat > "$STAGE/usr/share/doc/gte-notes/copyright" <<'EOF'
gte-notes: MIT License. The bundle includes Python 3.11 (PSF), PyTorch (BSD-3-Clause), Qt 6 and
PySide6 (LGPL-3.0), Hugging Face transformers/tokenizers/sentence-transformers (Apache-2.0), NumPy,
SciPy and scikit-learn (BSD), hnswlib (Apache-2.0), and the bundled embedding model under its own license
(see /usr/lib/gte-notes/models).
EOF

depends="$(python3 "$HERE/deb_depends.py" "$STAGE/usr/lib/gte-notes")"
installed_kb="$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)"
cat > "$STAGE/DEBIAN/control" <<EOF
Package: gte-notes
Version: $VERSION
Architecture: $ARCH
Maintainer: gte-notes team <gte-notes@localhost>
Section: utils
Priority: optional
Installed-Size: $installed_kb
Depends: $depends
Recommends: fonts-dejavu-core | fonts-liberation2
Description: offline semantic search and related notes for a folder of notes
 Point it at a folder of Markdown or text notes: it indexes them with a small
 embedding model that runs on the CPU, keeps the index up to date while you
 work, and shows notes ranked by meaning as you type, plus the notes related
 to the one you are reading. Nothing leaves the computer.
EOF
DEB="$OUT/gte-notes_${VERSION}_${ARCH}.deb"
rm -f "$DEB"
level=6; [ "$COMPRESS" = zstd ] && level=10
dpkg-deb --root-owner-group -Z"$COMPRESS" -z"$level" --build "$STAGE" "$DEB" >/dev/null
rm -rf "$STAGE"

step "Done"
printf 'deb:       %s\n' "$DEB"
printf 'deb size:  %s MB\n' "$(( $(stat -c %s "$DEB") / 1000000 ))"
printf 'unpacked:  %s MB (Installed-Size)\n' "$(( installed_kb * 1024 / 1000000 ))"
printf 'Depends:   %s\n' "$depends"
