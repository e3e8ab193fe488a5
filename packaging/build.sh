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

# What the app needs at run time must be inside: the OCR models (package data of rapidocr_onnxruntime, read by path),
# scipy, and huggingface_hub (ready models from the hub on the first-run screen).
# scipy: ImageHash's phash (near duplicates) computes its DCT with scipy.fftpack.
for needed in rapidocr_onnxruntime/models/ch_PP-OCRv4_det_infer.onnx rapidocr_onnxruntime/models/ch_PP-OCRv4_rec_infer.onnx \
              rapidocr_onnxruntime/models/ch_ppocr_mobile_v2.0_cls_infer.onnx rapidocr_onnxruntime/config.yaml \
              scipy/fft; do
    if [[ ! -e "$app/_internal/$needed" ]]; then
        echo "build.sh: $needed is missing from the bundle; check the spec's collect_all list" >&2; exit 1
    fi
done
# The ready-model list goes through huggingface_hub (offline here: every size unknown, but no missing module).
home=$(mktemp -d)
if ! HF_HUB_OFFLINE=1 PHOTO_TAGGER_HOME="$home" "$app/photo-tagger" model list --available | grep -q "size unknown: offline"; then
    echo "build.sh: the built app cannot list the ready models (huggingface_hub bundled?)" >&2; rm -rf "$home"; exit 1
fi
rm -rf "$home"

echo "built $app in $(( $(date +%s) - start ))s, $(du -sh "$app" | cut -f1)"
echo "run it:  \"$app/photo-tagger\"       (no arguments: the desktop app)"
echo "menu:    \"$app/photo-tagger\" install-desktop   (Linux)"
