"""A shared library only its household can read: a real `chroma run` on loopback behind a real Caddy with TLS (a CA
made here) and the token check `photo-tagger store serve-config` writes; one Chroma and one Caddy for the module."""

from __future__ import annotations

import json
import os
import signal
import ssl
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from photo_tagger.app import App
from photo_tagger.config import Settings
from photo_tagger.core.vector_metadata import OWNER_KEY
from photo_tagger.infra.caddy_config import GLOBAL_OPTIONS, ProxyPlan, site_block
from photo_tagger.infra.store_auth import AWAY, REFUSED, TOKEN_ENV, UNTRUSTED
from tests.conftest import REPO, run_entry_point
from tests.e2e.test_crash_and_watch import catalog_rows
from tests.e2e.test_server_mode import ChromaServer, free_port
from tests.photos import make_photo
from tests.tls_proxy import Caddy, caddy_binary, make_ca, make_server_cert
from tests.waiting import wait_for


@dataclass
class Secured:
    chroma: ChromaServer
    caddy: Caddy
    token: str
    ca_file: Path
    url: str  # Caddy with a certificate from ca_file
    expired_url: str  # the same Chroma, an expired certificate (for localhost: Caddy picks certificates by name)
    dead_url: str  # a site whose Chroma never runs: Caddy answers 502

    def env(self, token: str | None = None) -> dict:
        return {**os.environ, TOKEN_ENV: self.token if token is None else token, "PYTHONPATH": str(REPO)}


@pytest.fixture(scope="module")
def secured(tmp_path_factory):
    caddy_binary()  # fails under CI, skips elsewhere, when Caddy is missing
    folder = tmp_path_factory.mktemp("secured")
    ca = make_ca(folder / "ca")
    cert, key = make_server_cert(ca, folder / "ca", "server")
    old_cert, old_key = make_server_cert(ca, folder / "ca", "expired", "localhost", expired=True)
    chroma = ChromaServer(folder / "chroma", folder / "chroma.log")
    chroma.start()
    port, expired_port, dead_port = free_port(), free_port(), free_port()
    # The Caddyfile as a NAS owner gets it, plus two sites to show failures.
    result = run_entry_point("--home", folder / "owner", "store", "serve-config", "--listen", f"127.0.0.1:{port}",
                             "--chroma", f"127.0.0.1:{chroma.port}", "--cert", cert, "--key", key,
                             "--out", folder / "proxy", timeout=120)
    assert result.returncode == 0, result.stderr
    token = (folder / "proxy" / "store-token").read_text().strip()
    caddyfile = folder / "proxy" / "Caddyfile"
    caddyfile.write_text(caddyfile.read_text() +
                         site_block(ProxyPlan(f"localhost:{expired_port}", f"127.0.0.1:{chroma.port}", str(old_cert),
                                              str(old_key)), token) +
                         site_block(ProxyPlan(f"127.0.0.1:{dead_port}", f"127.0.0.1:{free_port()}", str(cert),
                                              str(key)), token))
    assert caddyfile.read_text().count(GLOBAL_OPTIONS) == 1
    caddy = Caddy(caddyfile, folder, port)
    caddy.start()
    try:
        yield Secured(chroma, caddy, token, ca.cert_file, f"https://127.0.0.1:{port}",
                      f"https://localhost:{expired_port}", f"https://127.0.0.1:{dead_port}")
    finally:
        caddy.stop()
        chroma.stop(signal.SIGKILL)


def with_server(home: Path, secured: Secured, url: str | None = None) -> None:
    App.from_home(home).update_settings(store_url=url or secured.url, store_ca_file=str(secured.ca_file),
                                        batch_size=4)


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    return lines[0]


def test_the_right_token_indexes_and_searches_over_tls(cli, tiny_home, tmp_path, secured, monkeypatch):
    for i in range(6):
        make_photo(tmp_path / "photos" / f"{i}.jpg", (40 * i, 90, 200 - 30 * i))
    with_server(tiny_home, secured)
    monkeypatch.setenv(TOKEN_ENV, secured.token)
    result = cli("--home", tiny_home, "index", tmp_path / "photos", "--json")
    assert result.returncode == 0, result.err
    assert json.loads(result.out)["new"] == 6
    hits = json.loads(cli("--home", tiny_home, "search", "a photo", "--json").out)
    assert len(hits) == 6
    library = (tiny_home / "data/library/library-id").read_text().strip()
    on_server = secured.chroma.collection("photos--tiny").get(where={OWNER_KEY: library})["ids"]
    assert len(on_server) == 6  # the server behind the proxy has them
    check = cli("--home", tiny_home, "store", "check")
    assert check.returncode == 0 and "token from the environment" in check.out


def test_a_wrong_token_or_none_is_refused_at_once_in_one_line(cli, tiny_home, secured, monkeypatch, file_keyring):
    with_server(tiny_home, secured)
    for token, says in (("not-the-token", "is wrong"), ("", "no token was sent")):
        if token:
            monkeypatch.setenv(TOKEN_ENV, token)
        else:
            monkeypatch.delenv(TOKEN_ENV, raising=False)
        started = time.monotonic()
        result = cli("--home", tiny_home, "search", "a dog")
        assert result.returncode == 1
        line = one_line(result.err)
        assert REFUSED in line and says in line and "401" in line, line
        assert time.monotonic() - started < 4, "a refused token is not waited for"
    # The token from the keyring (the window's Settings saves it there) works too.
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    from photo_tagger.infra.store_auth import save_token

    save_token(secured.url, secured.token)
    check = cli("--home", tiny_home, "store", "check")
    assert check.returncode == 0 and "token from the keyring" in check.out, check.err


def test_untrusted_certificates_are_one_line(cli, tiny_home, secured, monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, secured.token)
    with_server(tiny_home, secured, secured.expired_url)
    result = cli("--home", tiny_home, "search", "a dog")
    assert result.returncode == 1 and "certificate has expired" in one_line(result.err) and UNTRUSTED in result.err
    App.from_home(tiny_home).update_settings(store_url=secured.url, store_ca_file="")  # its CA not named
    started = time.monotonic()
    result = cli("--home", tiny_home, "search", "a dog")
    line = one_line(result.err)
    assert result.returncode == 1 and UNTRUSTED in line and "store_ca_file" in line, line
    assert time.monotonic() - started < 4, "a certificate that fails is not waited for"


def test_a_proxy_answering_502_is_a_server_away(cli, tiny_home, secured, monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, secured.token)
    with_server(tiny_home, secured, secured.dead_url)
    result = cli("--home", tiny_home, "search", "a dog")
    line = one_line(result.err)
    assert result.returncode == 1 and "unreachable (gave up after" in line and AWAY in line and "502" in line, line


def test_proxy_and_chroma_away_mid_index_nothing_lost(tiny_home, tmp_path, secured):
    photos = tmp_path / "photos"
    for i in range(60):
        make_photo(photos / f"{i:03d}.jpg", ((i * 7) % 256, (i * 29) % 256, 90), size=(1600, 1200))
    with_server(tiny_home, secured)
    child = subprocess.Popen([sys.executable, "-m", "photo_tagger", "--home", str(tiny_home), "index", str(photos),
                              "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=secured.env())
    err_lines: list[str] = []
    reader = threading.Thread(target=lambda: err_lines.extend(child.stderr), daemon=True)
    reader.start()
    try:
        wait_for(lambda: len(catalog_rows(tiny_home)) >= 8, 120, "the outage", 0.01, child, err_lines)
        secured.caddy.stop()  # the proxy goes away: nothing listens
        wait_for(lambda: any("store unreachable, retrying" in line for line in err_lines), 60, "the retry status",
                 running=child, output=err_lines)  # the indexer did not give up
        # The proxy is back but Chroma behind it is not: 502, waited for the same way.
        secured.chroma.stop(signal.SIGKILL)
        secured.caddy.start()
        answer = httpx.get(f"{secured.url}/api/v2/heartbeat", verify=ssl.create_default_context(cafile=secured.ca_file),
                           headers={"Authorization": f"Bearer {secured.token}"})
        assert answer.status_code == 502
        time.sleep(3)
        assert child.poll() is None, f"the indexer keeps waiting: {''.join(err_lines)}"
        assert 8 <= len(catalog_rows(tiny_home)) < 60
        secured.chroma.start()
        child.wait(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        if secured.caddy.proc is None:
            secured.caddy.start()
        if secured.chroma.proc is None:
            secured.chroma.start()
    reader.join(timeout=10)
    assert child.returncode == 0, "".join(err_lines)
    report = json.loads(child.stdout.read())
    assert (report["new"], report["updated"], report["reencoded"], report["unchanged"]) == (60, 0, 0, 0)
    assert any("store reachable again" in line for line in err_lines)
    library = (tiny_home / "data/library/library-id").read_text().strip()  # other tests share the collection
    assert len(secured.chroma.collection("photos--tiny").get(where={OWNER_KEY: library})["ids"]) == 60


def test_the_token_is_in_no_log_setting_doctor_output_or_crash_report(cli, tiny_home, tmp_path, secured,
                                                                      monkeypatch, file_keyring):
    from photo_tagger.infra.store_auth import save_token

    make_photo(tmp_path / "photos" / "a.jpg", (200, 30, 30))
    with_server(tiny_home, secured)
    save_token(secured.url, secured.token)  # from the keyring, in this process
    outputs = []
    for args in (("-v", "index", tmp_path / "photos"), ("-v", "search", "a photo", "--json"), ("doctor",),
                 ("doctor", "--json"), ("settings",), ("store", "check"), ("-v", "search", "x", "--tag", "nope")):
        result = cli("--home", tiny_home, *args)
        outputs.append(result.out + result.err)
    assert "token: from the keyring" in outputs[2] and json.loads(outputs[3])["store"]["token"] == "from the keyring"
    # A child with the token in its environment, verbose, and one refused by the proxy.
    child = run_entry_point("-v", "--home", tiny_home, "search", "a photo", env=secured.env(), timeout=120)
    refused = run_entry_point("-v", "--home", tiny_home, "search", "a photo", env=secured.env("wrong-" + secured.token),
                              timeout=120)
    assert child.returncode == 0 and refused.returncode == 1, child.stderr + refused.stderr
    outputs += [child.stdout, child.stderr, refused.stdout, refused.stderr]
    # A crash report of an error raised inside an authorised request.
    from photo_tagger.gui.crash import crash_report

    app = App.from_home(tiny_home)
    try:
        app.chroma_client.get_collection("no-such-collection")
    except Exception:
        outputs.append(crash_report(*sys.exc_info()))
    finally:
        app.close()
    assert "no-such-collection" in outputs[-1]
    written = [p for p in tiny_home.rglob("*") if p.is_file()]
    logs = [p for p in written if p.suffix == ".log" or ".log." in p.name]
    assert logs and "HTTP Request" in "".join(p.read_text() for p in logs)  # httpx's request lines are there
    secret = secured.token.encode()
    assert not [p for p in written if secret in p.read_bytes()]
    assert not [o for o in outputs if secured.token in o or "wrong-" in o]


def test_settings_dialog_says_what_went_wrong_and_keeps_the_token_in_the_keyring(qtbot, secured, file_keyring,
                                                                                 tmp_path):
    from PySide6.QtWidgets import QDialog, QLineEdit

    from photo_tagger.gui.dialogs.settings_dialog import SettingsDialog
    from photo_tagger.infra.store_auth import read_token

    settings = Settings(store_url=secured.url, store_ca_file=str(secured.ca_file))
    dialog = SettingsDialog(settings, ("fp32",), False)
    qtbot.addWidget(dialog)
    assert dialog.token.echoMode() == QLineEdit.EchoMode.Password and "none" in dialog.token.placeholderText()

    def says(words: str) -> None:
        dialog.check_button.click()
        qtbot.waitUntil(lambda: dialog.check_button.isEnabled() and words in dialog.server_state.text(),
                        timeout=15_000)

    dialog.token.setText("not-the-token")
    says("The server refused the token")
    dialog.token.setText(secured.token)
    dialog.ca_file.setText("")
    says("The server's certificate is not trusted")
    dialog.store_url.setText(f"https://127.0.0.1:{free_port()}")
    says("No server answers there")
    dialog.store_url.setText(secured.url)
    dialog.ca_file.setText(str(secured.ca_file))
    says("accepts the token")
    assert secured.token not in dialog.server_state.text()
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted and dialog.changes() == {}  # the token is no setting
    assert read_token(secured.url) == (secured.token, "keyring", "")
    again = SettingsDialog(settings, ("fp32",), False)
    qtbot.addWidget(again)
    assert again.token.text() == "" and "saved in the system keyring" in again.token.placeholderText()


def test_settings_dialog_without_a_keyring_points_at_the_environment_variable(qtbot):
    from PySide6.QtWidgets import QDialog

    from photo_tagger.gui.dialogs.settings_dialog import SettingsDialog

    dialog = SettingsDialog(Settings(), ("fp32",), False)  # tests/conftest.py: keyring's "fail" backend
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.store_url.setText("https://nas.example:8443")
    dialog.token.setText("a-token")
    dialog.accept()
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert TOKEN_ENV in dialog.error.text() and "no system keyring" in dialog.error.text()
    dialog.store_url.setText("")
    dialog.accept()
    assert dialog.isVisible() and "server's address first" in dialog.error.text()
