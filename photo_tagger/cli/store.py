"""`photo-tagger store ...`: move this library's vectors between this machine and a Chroma server (migrate), keep
the server's token (token set/forget), check the connection (check), write a TLS proxy's config (serve-config)."""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

from photo_tagger.cli.output import say
from photo_tagger.cli.progress import TerminalProgress
from photo_tagger.config import Settings
from photo_tagger.core.errors import PhotoTaggerError
from photo_tagger.core.tag_sources import photo_tags
from photo_tagger.core.vector_metadata import copied_metadata

LOCAL = "local"
# A copy waits this long for an unreachable server before it stops; a re-run carries on where it stopped.
MIGRATE_STORE_PATIENCE_S = 600.0


def register(subparsers) -> None:
    p = subparsers.add_parser("store", help="where the library's vectors live: this machine or a Chroma server")
    sub = p.add_subparsers(dest="store_command", metavar="ACTION", required=True)
    q = sub.add_parser("migrate", help="copy this library's vectors and metadata to a Chroma server (--to URL) "
                       "or back to this machine (--to local), verify the copy, then use it; nothing is re-encoded")
    q.add_argument("--to", required=True, metavar="URL|local",
                   help="http(s)://host:port of a Chroma server, or 'local' for this machine's library folder")
    q.set_defaults(handler=_migrate)
    t = sub.add_parser("token", help="the library server's token, kept in the system keyring (or give it in "
                       "PHOTO_TAGGER_STORE_TOKEN)")
    t.add_argument("token_action", choices=("set", "forget"),
                   help="set: read the token (typed hidden, or from standard input) and save it; forget: remove it")
    t.add_argument("--url", help="the server (default: the store_url setting or --store)")
    t.set_defaults(handler=_token)
    c = sub.add_parser("check", help="connect to the library server and say what is wrong, if anything")
    c.set_defaults(handler=_check)
    s = sub.add_parser("serve-config", help="write a Caddyfile for a TLS proxy that checks a fresh random token in "
                       "front of `chroma run`, and the token file (README: Sharing a library)")
    s.add_argument("--listen", required=True, metavar="HOST:PORT",
                   help="the name (or address) and port the household's computers use, e.g. nas.local:8443")
    s.add_argument("--chroma", default="127.0.0.1:8000", metavar="HOST:PORT",
                   help="where `chroma run` listens, on loopback (default 127.0.0.1:8000)")
    s.add_argument("--cert", default="", help="the server's certificate (PEM); default: Caddy's own CA (tls internal)")
    s.add_argument("--key", default="", help="the certificate's private key (PEM), with --cert")
    s.add_argument("--out", required=True, type=Path, help="folder for Caddyfile and store-token (made private)")
    s.set_defaults(handler=_serve_config)


def _describe(url: str) -> str:
    return url or "this machine"


def _migrate(app, args) -> int:
    from photo_tagger.infra.chroma_store import open_chroma
    from photo_tagger.infra.store_copy import copy_library

    target_url = "" if args.to.strip() in ("", LOCAL) else args.to.strip()
    Settings(store_url=target_url)  # a one-line error for anything but an http(s) URL or 'local'
    source_url = app.settings.store_url
    if target_url == source_url:
        say(f"The library already uses {_describe(target_url)}: nothing to copy")
        return 0
    catalog = app.catalog  # this library's photos; also takes the library lock
    ids = [r.id for r in catalog.records() if r.status == "indexed"]
    shared_target = bool(target_url)
    library_id = app.library_id

    def rewrite(photo_ids: list[str], metadatas: list[dict]) -> list[dict]:
        if not shared_target:
            return [copied_metadata(m, library_id, None) for m in metadatas]
        tags = photo_tags(catalog, photo_ids)
        return [copied_metadata(m, library_id, tags[i]) for i, m in zip(photo_ids, metadatas)]

    # Both stores must answer now (a mistyped URL fails in seconds); once copying, an outage is waited out.
    source = app.chroma_client
    target_retry = app.store_retry.at(_describe(target_url))
    target = open_chroma(target_url or app.paths.library_dir / "chroma", target_retry,
                         ca_file=app.settings.store_ca_file)
    progress = TerminalProgress(unit="photo")
    try:
        with app.store_retry.patient(MIGRATE_STORE_PATIENCE_S, on_state=progress.status):
            report = copy_library(source, target, ids, library_id, shared_target=shared_target, rewrite=rewrite,
                                  retry=app.store_retry, target_retry=target_retry, progress=progress)
    finally:
        if hasattr(target, "close"):
            target.close()
    if not report.collections and ids:
        raise PhotoTaggerError(f"{_describe(source_url)} holds no photo collections: nothing to copy "
                               "(the settings were not changed)")
    app.update_settings(store_url=target_url)
    counts = ", ".join(f"{name}: {count}" for name, count in report.collections.items())
    say(f"Copied this library to {_describe(target_url)} and verified it ({counts}; {report.written} written, "
        f"{report.removed} stale removed). The library now uses {_describe(target_url)}; "
        f"the copy on {_describe(source_url)} was left as it was.")
    return 0


def _server_url(app, args) -> str:
    url = (getattr(args, "url", None) or app.settings.store_url).strip()
    if not url:
        raise PhotoTaggerError("no library server: give --url https://host:port, or set store_url first")
    Settings(store_url=url)  # one line for anything but an http(s) URL
    return url


def _token(app, args) -> int:
    from photo_tagger.infra.store_auth import forget_token, save_token

    url = _server_url(app, args)
    if args.token_action == "forget":
        say(f"Removed the token for {url}" if forget_token(url) else f"No token was saved for {url}")
        return 0
    # Never an argument: command lines end up in shell history and in `ps`.
    token = getpass.getpass(f"Token for {url}: ") if sys.stdin.isatty() else sys.stdin.readline()
    save_token(url, token)
    say(f"Saved the token for {url} in the system keyring")
    return 0


def _check(app, args) -> int:
    from photo_tagger.infra.store_auth import StoreAccess, probe

    url = _server_url(app, args)
    access = StoreAccess.for_server(url, app.settings.store_ca_file)
    problem = probe(access)
    if problem:
        raise PhotoTaggerError(problem)
    via = f", token from the {access.token_source}" if access.token else ", no token"
    say(f"{url} answers like a Chroma server{via}")
    return 0


def _serve_config(app, args) -> int:
    from photo_tagger.infra.caddy_config import DEBIAN_INTERNAL_CA, ProxyPlan, caddyfile, new_token

    plan = ProxyPlan(args.listen, args.chroma, args.cert, args.key)
    token = new_token()
    out = args.out.expanduser()
    out.mkdir(parents=True, exist_ok=True)
    os.chmod(out, 0o700)
    for name, text in (("Caddyfile", caddyfile(plan, token)), ("store-token", token + "\n")):
        path = out / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(path, 0o600)  # an older file keeps its mode through O_CREAT
    say(f"Wrote {out / 'Caddyfile'} and {out / 'store-token'} (both readable by you only).")
    say(f"On the server: chroma run --path /srv/photo-tagger --host {plan.chroma.rpartition(':')[0]} "
        f"--port {plan.chroma.rpartition(':')[2]}")
    say(f"               caddy run --config {out / 'Caddyfile'}   (or copy it to /etc/caddy/Caddyfile)")
    say(f"On each computer: photo-tagger settings store_url {plan.url}")
    say("                  photo-tagger store token set < store-token   (a copy of that file)")
    if not plan.cert:
        say(f"                  photo-tagger settings store_ca_file root.crt   (a copy of Caddy's {DEBIAN_INTERNAL_CA})")
    return 0
