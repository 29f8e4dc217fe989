#!/usr/bin/env bash
# Builds the wheel, installs it (non-editable, with the locked versions) into a fresh
# virtual environment, and runs what a new user would run, from an unrelated folder:
# the presets are listed, a socket and an insole are designed from the sample scans that
# ship in the wheel into ./exports of that folder (never into site-packages), and the
# desktop application answers --version.  Prints every command and what it printed.
#
#   scripts/check_wheel.sh            (PYTHON and UV may name the interpreter and uv)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PYTHON=${PYTHON:-python3}
UV=${UV:-uv}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

say() { printf '\n$ %s\n' "$*"; }

say "$UV build --wheel --out-dir $WORK/dist"
"$UV" build -q --wheel --out-dir "$WORK/dist" "$ROOT"
WHEEL=$(ls "$WORK"/dist/*.whl)
echo "$(basename "$WHEEL"): $(du -h "$WHEEL" | cut -f1)"

say "$PYTHON -m venv $WORK/venv && uv pip install '$(basename "$WHEEL")[gui]' (locked versions)"
"$PYTHON" -m venv "$WORK/venv"
"$UV" pip install -q --python "$WORK/venv/bin/python" "$WHEEL[gui]" \
    -c "$ROOT/requirements.lock" --override "$ROOT/lock-overrides.txt"
BIN="$WORK/venv/bin"
SITE=$("$BIN/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')

mkdir "$WORK/elsewhere"
cd "$WORK/elsewhere"
fail() { echo "wheel check FAILED: $*" >&2; exit 1; }

say "prosthetics --version"
"$BIN/prosthetics" --version

say "prosthetics templates list"
"$BIN/prosthetics" templates list | tee "$WORK/list.txt"
grep -q '^transtibial ' "$WORK/list.txt" || fail "templates list lacks transtibial"
grep -q '^insole ' "$WORK/list.txt" || fail "templates list lacks insole"

say "prosthetics design --set slice=false"
"$BIN/prosthetics" design --set slice=false
for f in socket.stl socket.3mf report.json report.html; do
    [ -s "exports/transtibial_phone/$f" ] || fail "design did not write ./exports/transtibial_phone/$f"
done

say "prosthetics insole --set slice=false"
"$BIN/prosthetics" insole --set slice=false
ls exports/foot_phone/insole_*.stl >/dev/null || fail "insole did not write ./exports/foot_phone"

say "prosthetics-gui --version"
"$BIN/prosthetics-gui" --version

say "python -c 'import prosthetics, prosthetics_gui' (where they come from)"
"$BIN/python" -c 'import prosthetics, prosthetics_gui; print(prosthetics.__file__); print(prosthetics_gui.__file__)'
[ ! -e "$SITE/exports" ] || fail "something was written into site-packages/exports"
find "$SITE/prosthetics" -newer "$WHEEL" -name '*.stl' | grep -q . && fail "an STL was written inside the installed package"
echo
echo "wheel check: OK ($(du -sh "$WORK/venv" | cut -f1) installed)"
