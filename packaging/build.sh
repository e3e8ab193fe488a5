#!/usr/bin/env bash
# Build the one-folder, double-clickable app into dist/Photo Tagger/ (work files under build/pyinstaller/).
#
#   python3 -m venv .venv-build && .venv-build/bin/pip install . pyinstaller
#   PYTHON=.venv-build/bin/python packaging/build.sh
#
# Use a venv *without* torch/transformers if you can (smaller, faster); the spec excludes them anyway.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"

"$PYTHON" -c "import PyInstaller" 2>/dev/null || {
    echo "build.sh: PyInstaller is missing: $PYTHON -m pip install pyinstaller" >&2; exit 1; }

start=$(date +%s)
"$PYTHON" -m PyInstaller --noconfirm --clean \
    --workpath build/pyinstaller --distpath dist \
    packaging/photo-tagger.spec
app="dist/Photo Tagger"

# Linux: ship the icon and desktop entry beside the executable; `photo-tagger install-desktop`
# (run from the built app) adds it to the application menu with the right absolute path.
if [[ "$(uname -s)" == Linux ]]; then
    cp photo_tagger/gui/assets/icon-256.png "$app/photo-tagger.png"  # the package's assets: the one copy
    cp photo_tagger/gui/assets/photo-tagger.desktop "$app/photo-tagger.desktop"
fi

# The packaged app must not carry the export stack (CLIP_NOTES: torch alone is ~630 MB).
for mod in torch transformers onnx onnxscript torchvision pytest; do
    if [[ -e "$app/_internal/$mod" ]]; then
        echo "build.sh: $mod got bundled; check the spec's EXCLUDES" >&2; exit 1
    fi
done

echo "built $app in $(( $(date +%s) - start ))s, $(du -sh "$app" | cut -f1)"
echo "run it:  \"$app/photo-tagger\"       (no arguments: the desktop app)"
echo "menu:    \"$app/photo-tagger\" install-desktop   (Linux)"
