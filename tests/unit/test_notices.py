"""Third-party notices made from the installed packages' own licence files, the packaged app's file preferred, and
`doctor --licences` printing them."""

from pathlib import Path

from photo_tagger.services import notices

ROOT = Path(__file__).resolve().parents[2]


def test_the_packaged_licence_is_the_repositorys():
    assert notices.app_licence_text() == (ROOT / "LICENSE").read_text()


def test_notices_from_the_installed_packages_carry_every_required_notice():
    text = notices.render_notices()
    summary, rest = text.split(notices._RULE)[1], text
    assert "Photo Tagger 0.1.0: MIT licence" in summary
    assert any(line.startswith("PySide6_Essentials ") and "LGPL-3.0-only" in line for line in summary.splitlines())
    assert "Permission is hereby granted, free of charge" in rest  # the app's own MIT text
    # Qt / PySide6: LGPL, where their source is, and the LGPL + GPL texts (the wheels ship none).
    assert "https://download.qt.io/official_releases/QtForPython/" in rest
    assert "GNU LESSER GENERAL PUBLIC LICENSE\n                       Version 3" in rest
    assert "GNU GENERAL PUBLIC LICENSE\n                       Version 3" in rest
    assert "Mozilla Public License" in rest  # MPL-2.0 packages (certifi, tqdm) with their own texts
    assert "[onnxruntime/ThirdPartyNotices.txt]" in rest
    assert "MODEL_LICENSES.md]" in rest and "PaddleOCR authors" in rest and "Apache License" in rest
    assert "[pi_heif-" in rest and "libde265" in rest  # the LGPL libraries bundled in pi-heif, with their source


def test_the_packaged_apps_file_is_preferred(monkeypatch, tmp_path):
    built = tmp_path / notices.NOTICES_FILE
    built.write_text("title\n" + notices._RULE + "\nthe table\n" + notices._RULE + "\nthe texts\n")
    monkeypatch.setattr(notices, "_built_file", lambda: built)
    assert notices.third_party_notices() == built.read_text()
    assert notices.summary() == "the table"


def test_doctor_lists_the_licences(cli, tmp_path):
    short = cli("--home", tmp_path, "doctor", "--licences")
    assert short.returncode == 0 and "MIT licence" in short.out and "rapidocr" in short.out
    assert "photo-tagger doctor --licences --full" in short.out and "GNU LESSER" not in short.out
    full = cli("--home", tmp_path, "doctor", "--licences", "--full")
    assert full.returncode == 0 and "GNU LESSER GENERAL PUBLIC LICENSE" in full.out
    alone = cli("--home", tmp_path, "doctor", "--full")
    assert alone.returncode != 0 and "--full goes with --licences" in alone.err
