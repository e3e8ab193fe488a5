"""Loading the OCR reader (which imports OpenCV) leaves the environment variables as they were."""

import os
import subprocess
import sys


def test_loading_the_ocr_reader_keeps_qt_environment_variables():
    code = ("import os; from photo_tagger.infra.ocr_engine import RapidOcrEngine; RapidOcrEngine(device='cpu')._load(); "
            "import cv2; print(os.environ.get('QT_QPA_PLATFORM_PLUGIN_PATH'), os.environ.get('QT_QPA_FONTDIR'))")
    env = {k: v for k, v in os.environ.items() if not k.startswith("QT_QPA_")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["None", "None"]
    env["QT_QPA_FONTDIR"] = "/usr/share/fonts"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["None", "/usr/share/fonts"]
