"""OpenCV comes as its headless build: loading the OCR reader (which imports cv2) brings no second Qt and leaves Qt's
environment variables as they were (opencv-python's own Qt 5 pointed them at its plugins and fonts)."""

import importlib.metadata as metadata
import importlib.util
import os
import subprocess
import sys
from pathlib import Path


def test_loading_the_ocr_reader_keeps_qt_environment_variables():
    code = ("import os; from photo_tagger.infra.ocr_engine import RapidOcrEngine; RapidOcrEngine(device='cpu')._load(); "
            "import cv2; print(os.environ.get('QT_QPA_PLATFORM_PLUGIN_PATH'), os.environ.get('QT_QPA_FONTDIR'))")
    env = {k: v for k, v in os.environ.items() if not k.startswith("QT_QPA_")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["None", "None"]
    env["QT_QPA_FONTDIR"] = "/usr/share/fonts"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["None", "/usr/share/fonts"]


def test_the_installed_opencv_is_headless():
    owners = {dist.metadata["Name"].lower() for dist in metadata.distributions()
              if any(str(f).startswith("cv2/") for f in (dist.files or ()))}
    assert owners == {"opencv-python-headless"}, owners  # opencv-python would overwrite cv2/ with its Qt build
    cv2_dir = Path(importlib.util.find_spec("cv2").origin).parent
    assert not (cv2_dir / "qt").exists()
