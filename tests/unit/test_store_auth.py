"""Library server access without a server: where the token comes from, when it is refused locally, how a proxy's
answers and TLS failures are told apart and retried, and the proxy config `store serve-config` writes."""

from __future__ import annotations

import ssl
import stat
import tomllib

import httpx
import pytest

from photo_tagger.config import Settings
from photo_tagger.infra import store_auth
from photo_tagger.infra.caddy_config import ProxyPlan, caddyfile
from photo_tagger.infra.store_auth import AWAY, REFUSED, TOKEN_ENV, UNTRUSTED, StoreAccess
from photo_tagger.infra.store_retry import ServerAway, StoreRefused, StoreRetry, StoreUnreachable, StoreUntrusted

URL = "https://nas.example:8443"


def test_token_from_the_environment_first_then_the_keyring(file_keyring, monkeypatch):
    assert store_auth.read_token(URL) == ("", "", "")
    store_auth.save_token(URL, "  from-keyring\n")
    assert store_auth.read_token(URL) == ("from-keyring", "keyring", "")
    assert store_auth.read_token("http://NAS.example:8443") == ("from-keyring", "keyring", "")  # one server
    assert store_auth.read_token("https://nas.example:9999")[0] == ""
    monkeypatch.setenv(TOKEN_ENV, "from-env")
    assert store_auth.read_token(URL)[:2] == ("from-env", "environment")
    assert store_auth.forget_token(URL) and not store_auth.forget_token(URL)
    assert not store_auth.has_saved_token(URL)


def test_no_keyring_is_one_line_pointing_at_the_environment_variable():
    # tests/conftest.py installs keyring's "fail" backend: what a headless Linux box has.
    token, source, problem = store_auth.read_token(URL)
    assert (token, source) == ("", "") and "no system keyring" in problem and TOKEN_ENV in problem
    with pytest.raises(store_auth.TokenStoreError) as caught:
        store_auth.save_token(URL, "secret")
    assert TOKEN_ENV in str(caught.value) and "\n" not in str(caught.value)


def test_the_token_never_goes_over_plain_http_except_to_loopback():
    with pytest.raises(store_auth.StoreRefusedLocally, match="refusing to send the library token over plain http"):
        StoreAccess("http://nas.example:8000", "secret").check()
    for url in ("http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000", "https://nas.example:8443"):
        StoreAccess(url, "secret").check()
    StoreAccess("http://nas.example:8000").check()  # no token: the documented unprotected setup
    assert "secret" not in repr(StoreAccess(URL, "secret")) and StoreAccess(URL, "secret").headers() == {
        "Authorization": "Bearer secret"}


def test_plain_http_with_a_token_is_refused_by_the_command_line_in_one_line(cli, tiny_home, monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, "a-secret-token")
    for command in (("search", "a dog"), ("store", "check")):
        result = cli("--home", tiny_home, "--store", "http://192.0.2.1:8000", *command)
        assert result.returncode == 1
        assert result.err.strip().splitlines() == [result.err.strip()]
        assert "plain http" in result.err and "a-secret-token" not in result.err + result.out


def test_a_missing_ca_file_is_one_line():
    with pytest.raises(store_auth.StoreUnavailable, match="store_ca_file"):
        StoreAccess(URL, ca_file="/nonexistent/root.crt").check()


def answer(status: int) -> httpx.Response:
    return httpx.Response(status, request=httpx.Request("GET", URL))


def test_proxy_answers_are_told_apart():
    with pytest.raises(StoreRefused) as refused:
        store_auth.check_answer(answer(401), URL, StoreAccess(URL, "wrong", token_source="keyring"))
    assert str(refused.value).startswith(REFUSED) and "token (from keyring) is wrong" in str(refused.value)
    with pytest.raises(StoreRefused, match="no token was sent.*no system keyring"):
        store_auth.check_answer(answer(403), URL, StoreAccess.for_server(URL))
    for status in (502, 503, 504):
        with pytest.raises(ServerAway, match=f"HTTP {status}"):
            store_auth.check_answer(answer(status), URL)
    for status in (200, 404, 500):  # Chroma's own answers are chromadb's to read
        store_auth.check_answer(answer(status), URL)


def cert_error(message: str = "certificate has expired") -> httpx.ConnectError:
    cause = ssl.SSLCertVerificationError(1, f"[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: {message}")
    cause.verify_message = message
    error = httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")
    error.__cause__ = cause
    return error


def test_explain_says_each_failure_in_words():
    assert store_auth.explain(cert_error(), URL).startswith(f"{UNTRUSTED} ({URL}: certificate has expired)")
    assert store_auth.explain(httpx.ConnectError("Connection refused"), URL).startswith(AWAY)
    assert store_auth.explain(ServerAway("the proxy answered HTTP 502"), URL).startswith(f"{AWAY} ({URL}): the proxy")
    assert AWAY in store_auth.explain(retry_until_out_of_patience(), URL)
    assert store_auth.explain(StoreRefused(f"{REFUSED} (x)"), URL).startswith(REFUSED)


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def retry() -> StoreRetry:
    clock = Clock()
    return StoreRetry(URL, give_up_after=30, sleep=clock.sleep, clock=clock)


def retry_until_out_of_patience() -> StoreUnreachable:
    def away():
        raise ServerAway("the proxy answered HTTP 502")

    with pytest.raises(StoreUnreachable) as caught:
        retry().call(away)
    return caught.value


def test_a_proxy_whose_chroma_is_away_is_waited_for_a_refusal_or_bad_certificate_is_not():
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) < 4:
            raise ServerAway("502")
        return "ok"

    assert retry().call(flaky) == "ok" and len(calls) == 4

    def refused():
        calls.append(1)
        raise StoreRefused(REFUSED)

    calls.clear()
    with pytest.raises(StoreRefused):
        retry().call(refused)
    assert len(calls) == 1

    def untrusted():
        calls.append(1)
        raise cert_error("self-signed certificate in certificate chain")

    calls.clear()
    with pytest.raises(StoreUntrusted, match=f"{UNTRUSTED}.*self-signed certificate in certificate chain"):
        retry().call(untrusted)
    assert len(calls) == 1


def test_caddyfile_checks_the_token_and_refuses_what_it_cannot_quote():
    text = caddyfile(ProxyPlan("nas.local:8443"), "tok_EN-1")
    assert 'header Authorization "Bearer tok_EN-1"' in text and "tls internal" in text
    assert "reverse_proxy 127.0.0.1:8000" in text and "https://nas.local:8443 {" in text
    assert "tls /c.pem /k.pem" in caddyfile(ProxyPlan("nas.local:8443", cert="/c.pem", key="/k.pem"), "t")
    for bad in (dict(listen="nas.local"), dict(listen="nas:8443", cert="/c.pem"), dict(listen='na"s:1')):
        with pytest.raises(store_auth.PhotoTaggerError):
            ProxyPlan(**bad)
    with pytest.raises(store_auth.PhotoTaggerError):
        caddyfile(ProxyPlan("nas:8443"), 'x" }')


def test_serve_config_writes_private_files_and_prints_no_token(cli, home, tmp_path):
    out = tmp_path / "proxy"
    result = cli("--home", home, "store", "serve-config", "--listen", "nas.local:8443", "--out", out)
    assert result.returncode == 0, result.err
    token = (out / "store-token").read_text().strip()
    assert len(token) >= 40 and f'"Bearer {token}"' in (out / "Caddyfile").read_text()
    assert token not in result.out + result.err
    for path in (out / "Caddyfile", out / "store-token"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = cli("--home", home, "store", "serve-config", "--listen", "nas.local:8443", "--out", out)
    assert again.returncode == 0 and (out / "store-token").read_text().strip() != token  # a fresh token each time
    bad = cli("--home", home, "store", "serve-config", "--listen", "nas.local", "--out", out)
    assert bad.returncode == 1 and "HOST:PORT" in bad.err


def test_token_set_reads_stdin_into_the_keyring_never_settings(cli, home, file_keyring,
                                                               monkeypatch):
    import io

    assert cli("--home", home, "settings", "store_url", URL).returncode == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("the-token\n"))
    result = cli("--home", home, "store", "token", "set")
    assert result.returncode == 0, result.err
    assert store_auth.read_token(URL) == ("the-token", "keyring", "")
    assert "the-token" not in (home / "config" / "settings.toml").read_text() + result.out
    assert "Removed" in cli("--home", home, "store", "token", "forget").out
    ca = cli("--home", home, "settings", "store_ca_file", "/etc/ssl/household.crt")
    assert ca.returncode == 0
    assert tomllib.loads((home / "config" / "settings.toml").read_text())["store_ca_file"] == "/etc/ssl/household.crt"
    assert Settings.load(home / "config" / "settings.toml").store_ca_file == "/etc/ssl/household.crt"


def test_token_set_without_a_keyring_is_one_line(cli, home, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("the-token\n"))
    result = cli("--home", home, "store", "token", "set", "--url", URL)
    assert result.returncode == 1 and TOKEN_ENV in result.err
    assert result.err.strip().splitlines() == [result.err.strip()]
