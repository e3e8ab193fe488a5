"""Test helpers for a shared library behind TLS: a certificate authority made in the test (cryptography) and a
real Caddy reverse proxy on 127.0.0.1 with the config `photo-tagger store serve-config` writes."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class TestCA:
    cert_file: Path
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate


def _name(text: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])


def make_ca(folder: Path, name: str = "Household test CA") -> TestCA:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(_name(name)).issuer_name(_name(name)).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name.replace(' ', '-')}.crt"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return TestCA(path, key, cert)


def make_server_cert(ca: TestCA, folder: Path, stem: str, host: str = "127.0.0.1",
                     expired: bool = False) -> tuple[Path, Path]:
    """A certificate for `host` (an IP address or a name) signed by `ca`, already expired if asked; (cert, key)
    files. Caddy picks a certificate by name, so two sites on one host need certificates for different names."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    start, end = (now - dt.timedelta(days=10), now - dt.timedelta(days=1)) if expired else \
        (now - dt.timedelta(hours=1), now + dt.timedelta(days=7))
    try:
        alt_name = x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        alt_name = x509.DNSName(host)
    cert = (x509.CertificateBuilder().subject_name(_name(host)).issuer_name(ca.cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.SubjectAlternativeName([alt_name]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca.key, hashes.SHA256()))
    cert_file, key_file = folder / f"{stem}.crt", folder / f"{stem}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM) +
                          ca.cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def caddy_binary() -> str | None:
    """Caddy, or a skip; under CI (`.ci/run` installs it from Debian's packages) a missing Caddy fails the test."""
    found = shutil.which("caddy")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("caddy is not installed (CI installs it: apt-get install caddy)")
        pytest.skip("caddy is not installed (apt-get install caddy)")
    return found


class Caddy:
    """A real Caddy on loopback running one Caddyfile, in its own process group; its state stays in `folder`."""

    def __init__(self, caddyfile: Path, folder: Path, port: int):
        self.caddyfile, self.folder, self.port = caddyfile, folder, port
        self.log = folder / "caddy.log"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> None:
        env = {**os.environ, "HOME": str(self.folder), "XDG_DATA_HOME": str(self.folder / "data"),
               "XDG_CONFIG_HOME": str(self.folder / "config")}
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([caddy_binary(), "run", "--config", str(self.caddyfile), "--adapter",
                                          "caddyfile"], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         env=env, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"caddy exited: {self.log.read_text()[-3000:]}"
            try:
                httpx.get(f"https://127.0.0.1:{self.port}/", verify=False, timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        pytest.fail(f"caddy did not answer within {timeout} s: {self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=15)
        self.proc = None
