"""`photo-tagger store ...`: move this library's vectors between this machine and a Chroma server (migrate), keep
the server's token (token set/forget), check the connection (check), write a TLS proxy's config (serve-config)."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from photo_tagger.cli.output import say
from photo_tagger.cli.progress import TerminalProgress
from photo_tagger.services import store_server
from photo_tagger.services.store_migration import describe_store, migration_target

if TYPE_CHECKING:
    from photo_tagger.app import App


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


def _migrate(app: App, args) -> int:
    target_url = migration_target(args.to)
    migration = app.store_migration_service
    source_url = migration.store_url()
    if target_url == source_url:
        say(f"The library already uses {describe_store(target_url)}: nothing to copy")
        return 0
    progress = TerminalProgress(unit="photo")
    report = migration.migrate_store(target_url, progress=progress, on_state=progress.status)
    counts = ", ".join(f"{name}: {count}" for name, count in report.collections.items())
    say(f"Copied this library to {describe_store(target_url)} and verified it ({counts}; {report.written} written, "
        f"{report.removed} stale removed). The library now uses {describe_store(target_url)}; "
        f"the copy on {describe_store(source_url)} was left as it was.")
    return 0


def _server_url(args, store_url: str) -> str:
    """The server a command is about: its --url, else the store in use."""
    return store_server.server_url(getattr(args, "url", None) or store_url)


def _token(app: App, args) -> int:
    url = _server_url(args, app.settings.store_url)
    if args.token_action == "forget":
        say(f"Removed the token for {url}" if store_server.forget_token(url) else f"No token was saved for {url}")
        return 0
    # Never an argument: command lines end up in shell history and in `ps`.
    token = getpass.getpass(f"Token for {url}: ") if sys.stdin.isatty() else sys.stdin.readline()
    store_server.save_token(url, token)
    say(f"Saved the token for {url} in the system keyring")
    return 0


def _check(app: App, args) -> int:
    url = _server_url(args, app.settings.store_url)
    via = store_server.check_server(url, app.settings.store_ca_file)
    say(f"{url} answers like a Chroma server, {via}")
    return 0


def _serve_config(app: App, args) -> int:
    written = store_server.write_proxy_config(store_server.ProxyPlan(args.listen, args.chroma, args.cert, args.key),
                                              args.out.expanduser())
    plan, out = written.plan, written.caddyfile.parent
    say(f"Wrote {written.caddyfile} and {written.token_file} (both readable by you only).")
    say(f"On the server: chroma run --path /srv/photo-tagger --host {plan.chroma.rpartition(':')[0]} "
        f"--port {plan.chroma.rpartition(':')[2]}")
    say(f"               caddy run --config {out / 'Caddyfile'}   (or copy it to /etc/caddy/Caddyfile)")
    say(f"On each computer: photo-tagger settings store_url {plan.url}")
    say("                  photo-tagger store token set < store-token   (a copy of that file)")
    if not plan.cert:
        say(f"                  photo-tagger settings store_ca_file root.crt   (a copy of Caddy's "
            f"{store_server.DEBIAN_INTERNAL_CA})")
    return 0
