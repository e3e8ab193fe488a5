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
# No GPL in what gets bundled, and the notices of exactly what this venv holds (issue 22).
"$PYTHON" packaging/check_licences.py
"$PYTHON" packaging/third_party_notices.py build/THIRD_PARTY_NOTICES.txt
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
# The licences beside the executable too, where a person unpacking the app looks for them.
cp LICENSE "$app/LICENSE.txt"
cp build/THIRD_PARTY_NOTICES.txt "$app/THIRD_PARTY_NOTICES.txt"

# The packaged app must not carry the export stack (CLIP_NOTES: torch alone is ~630 MB).
for mod in torch transformers onnx onnxscript torchvision pytest; do
    if [[ -e "$app/_internal/$mod" ]]; then
        echo "build.sh: $mod got bundled; check the spec's EXCLUDES" >&2; exit 1
    fi
done

# What the app needs at run time must be inside: the OCR models (package data of rapidocr, read by path),
# scipy, huggingface_hub (ready models from the hub on the first-run screen) and the notices (Help > About).
# scipy: ImageHash's phash (near duplicates) computes its DCT with scipy.fftpack.
for needed in rapidocr/models/PP-OCRv6_det_small.onnx rapidocr/models/PP-OCRv6_rec_small.onnx \
              rapidocr/models/ch_ppocr_mobile_v2.0_cls_mobile.onnx rapidocr/config.yaml rapidocr/default_models.yaml \
              scipy/fft photo_tagger/THIRD_PARTY_NOTICES.txt photo_tagger/notices/LGPL-3.0.txt; do
    if [[ ! -e "$app/_internal/$needed" ]]; then
        echo "build.sh: $needed is missing from the bundle; check the spec's collect_all list" >&2; exit 1
    fi
done
# The ready-model list goes through huggingface_hub (offline here: every size unknown, but no missing module).
home=$(mktemp -d)
if ! HF_HUB_OFFLINE=1 PHOTO_TAGGER_HOME="$home" "$app/photo-tagger" model list --available | grep -q "size unknown: offline"; then
    echo "build.sh: the built app cannot list the ready models (huggingface_hub bundled?)" >&2; rm -rf "$home"; exit 1
fi
# The app finds its notices (the file, not notices made from metadata it does not carry).
if ! PHOTO_TAGGER_HOME="$home" "$app/photo-tagger" doctor --licences | grep -q "^PySide6_Essentials .*LGPL-3.0"; then
    echo "build.sh: the built app does not list its licences (doctor --licences)" >&2; rm -rf "$home"; exit 1
fi
rm -rf "$home"
# No GPL native library got in from outside the wheels either.
if gpl=$(find "$app" -iname '*x265*' -o -iname '*x264*' -o -iname '*exiv2*' | grep .); then
    echo "build.sh: GPL libraries in the bundle: $gpl" >&2; exit 1
fi

echo "built $app in $(( $(date +%s) - start ))s, $(du -sh "$app" | cut -f1)"
echo "run it:  \"$app/photo-tagger\"       (no arguments: the desktop app)"
echo "menu:    \"$app/photo-tagger\" install-desktop   (Linux)"
