#!/usr/bin/env bash
# Does the frozen app run its model stack? Used by packaging/build.sh before the .deb is made, so a
# bundle that PyInstaller finished but that cannot import transformers or sentence-transformers (a data
# file a new release of a dependency reads at import, a hidden import) fails the build instead of
# reaching a user.
#
#   bash packaging/check_bundle.sh BUNDLE_DIR MODEL_ID
#
# Offline, with an empty Hugging Face cache and throw-away config and data folders: `model info --json`
# must name MODEL_ID and its bundled folder, then `index` of three small notes and a `search` must work.
set -uo pipefail
BUNDLE="$1" MODEL_ID="$2"
TMP="$(mktemp -d /tmp/gte-notes-check.XXXXXX)"
trap 'rm -rf "$TMP"' EXIT
fail() { echo "check_bundle: $*" >&2; for f in "$TMP"/*.err; do [ -s "$f" ] && tail -25 "$f" >&2; done; exit 1; }

unset PYTHONPATH PYTHONHOME VIRTUAL_ENV GTE_NOTES_MODEL GTE_NOTES_BUNDLED_MODEL HF_HUB_CACHE \
  HUGGINGFACE_HUB_CACHE TRANSFORMERS_CACHE SENTENCE_TRANSFORMERS_HOME LD_LIBRARY_PATH
export HF_HUB_OFFLINE=1 HF_HOME="$TMP/hf-home" XDG_CACHE_HOME="$TMP/cache" XDG_CONFIG_HOME="$TMP/config" \
  XDG_DATA_HOME="$TMP/data" GTE_NOTES_HOME="$TMP/gte-home" GTE_NOTES_CONFIG="$TMP/gte-config"
mkdir -p "$HF_HOME" "$TMP/notes"
APP="$BUNDLE/gte-notes"

"$APP" model info --json >"$TMP/info.json" 2>"$TMP/info.err" || fail "gte-notes model info failed"
# A module missing from the bundle may only turn a feature off (the app says "precision onnx-int8
# unavailable: ModuleNotFoundError ..."): still a broken bundle.
if grep -E "ModuleNotFoundError|No module named|Traceback" "$TMP/info.err" >&2; then
  fail "the frozen app misses a module (above)"
fi
python3 - "$TMP/info.json" "$MODEL_ID" "$BUNDLE" <<'PY' || fail "model info does not name the bundled model"
import json, sys
current = json.load(open(sys.argv[1]))["current"]
assert "error" not in current, current["error"]
assert current["model"] == sys.argv[2], f'model info names {current["model"]!r}, the bundle holds {sys.argv[2]!r}'
assert current["path"].startswith(sys.argv[3] + "/models/"), current["path"]
print(f'check_bundle: model info: {current["model"]} ({current["model_id"]}) from {current["path"]}')
PY

printf '# Tea\nGreen tea is steeped briefly in water below boiling.\n' >"$TMP/notes/tea.md"
printf '# Bicycles\nA chain needs oil every few hundred kilometres.\n' >"$TMP/notes/bikes.md"
printf '# Bread\nSourdough rises slowly and bakes in a very hot oven.\n' >"$TMP/notes/bread.md"
"$APP" index "$TMP/notes" >"$TMP/index.out" 2>"$TMP/index.err" || fail "gte-notes index failed"
grep -E "ModuleNotFoundError|No module named|Traceback" "$TMP/index.err" >&2 && fail "gte-notes index misses a module"
"$APP" search "$TMP/notes" "looking after my bike" --json >"$TMP/search.json" 2>"$TMP/search.err" \
  || fail "gte-notes search failed"
python3 - "$TMP/search.json" <<'PY' || fail "search found nothing sensible"
import json, sys
hits = json.load(open(sys.argv[1]))
assert hits and hits[0]["path"] == "bikes.md", hits
print(f"check_bundle: index + search: top hit {hits[0]['path']}")
PY

# A crash of the installed app must leave its traces: forced through the test-only hook
# GTE_NOTES_TEST_CRASH (gte_notes/core/files/forced_crash.py), a segfault writes every thread's stack to
# logs/crash.log (faulthandler) and a bug its traceback to logs/cli.log.
LOGS="$GTE_NOTES_HOME/logs"
GTE_NOTES_TEST_CRASH=segv "$APP" status "$TMP/notes" >"$TMP/segv.out" 2>"$TMP/segv.err"
code=$?
[ "$code" -ne 0 ] || fail "the forced segfault did not end the frozen app"
grep -q "Fatal Python error: Segmentation fault" "$LOGS/crash.log" && grep -q "in crash_if_asked" "$LOGS/crash.log" \
  || fail "the frozen app's forced segfault left no stack in $LOGS/crash.log"
GTE_NOTES_TEST_CRASH=bug "$APP" status "$TMP/notes" >"$TMP/bug.out" 2>"$TMP/bug.err"
[ $? -eq 1 ] && grep -q "ForcedBug" "$LOGS/cli.log" && grep -q "$LOGS/cli.log" "$TMP/bug.err" \
  || fail "the frozen app's forced bug left no traceback in $LOGS/cli.log"
echo "check_bundle: a forced segfault (exit $code) and a forced bug left their traces in $LOGS"
