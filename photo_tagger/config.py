"""Settings (TOML in the user config dir) and the app's folders (platformdirs, or one --home folder)."""

from __future__ import annotations

import logging
import os
import tomllib
import uuid
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path

import platformdirs
import tomli_w

from photo_tagger.core.errors import ConfigError

APP_NAME = "photo-tagger"
HOME_ENV = "PHOTO_TAGGER_HOME"
DEVICES = ("auto", "cpu", "gpu")
PRECISIONS = ("fp32", "int8")
OCR_MODES = ("auto", "all", "off")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LibraryFiles:
    """A library's SQLite files: the catalog (the truth), the embedded store's database, the text-embedding cache."""

    catalog: Path
    store: Path
    text_cache: Path

    @classmethod
    def of(cls, library_dir: Path, cache_dir: Path) -> LibraryFiles:
        return cls(
            library_dir / "catalog.sqlite3",
            library_dir / "chroma" / "chroma.sqlite3",
            cache_dir / "text-embeddings.sqlite3",
        )

    def all(self) -> list[Path]:
        """All three, the catalog first (the one a damaged-page error most likely came from)."""
        return [self.catalog, self.store, self.text_cache]


@dataclass(frozen=True)
class AppPaths:
    """Where everything lives. With a home folder, all of it sits under that one folder."""

    config_dir: Path
    data_dir: Path
    cache_dir: Path
    log_dir: Path

    @classmethod
    def resolve(cls, home: str | os.PathLike | None = None) -> AppPaths:
        home = home or os.environ.get(HOME_ENV) or None
        if home:
            root = Path(home).expanduser().resolve()
            return cls(root / "config", root / "data", root / "cache", root / "logs")
        dirs = platformdirs.PlatformDirs(APP_NAME, appauthor=False)
        return cls(
            Path(dirs.user_config_dir),
            Path(dirs.user_data_dir),
            Path(dirs.user_cache_dir),
            Path(dirs.user_log_dir),
        )

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.toml"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def library_dir(self) -> Path:
        return self.data_dir / "library"

    @property
    def library_files(self) -> LibraryFiles:
        return LibraryFiles.of(self.library_dir, self.cache_dir)

    def app_dirs(self) -> tuple[Path, ...]:
        """Folders the app writes to; scans skip them even when they sit under a watched root."""
        return (self.config_dir, self.data_dir, self.cache_dir, self.log_dir)


@dataclass(frozen=True)
class Settings:
    """User settings; every field has a default so an empty or missing file is valid."""

    model: str = ""  # installed model name; empty = the only/first installed one
    device: str = "auto"  # auto | cpu | gpu
    precision: str = "fp32"  # fp32 | int8 (image encoder)
    batch_size: int = 16
    threads: int = 0  # onnxruntime intra-op threads; 0 = one per core
    store_url: str = ""  # empty = embedded Chroma under the library folder
    # The CA certificate (PEM) a household's own TLS proxy uses, e.g. Caddy's root.crt; empty: the public CAs.
    # Its token is never a setting: the system keyring or PHOTO_TAGGER_STORE_TOKEN (infra/store_auth.py).
    store_ca_file: str = ""
    # JPEGs decoded at the smallest DCT scale covering the model's input: ~20% faster indexing on 12 MP
    # photos, mean pixel difference ~0.5 grey level (benchmarks/RESULTS.md, "Preprocessing parity").
    fast_decode: bool = False
    thumbnail_size: int = 160  # pixels, the desktop app's grid (Small 112, Medium 160, Large 240)
    # Text in photos (core/photo_text.py): auto reads the photos a cheap look at the pixels says may hold text.
    ocr: str = "auto"
    # Album membership exported to sidecars as the hierarchical keyword Albums|Name (digiKam: Albums/Name).
    sidecar_albums: bool = False

    def __post_init__(self) -> None:
        """Every check of a setting's value: settings.toml, the window's Settings dialog and `photo-tagger settings`
        all go through here (with_changes makes a new Settings)."""
        _check_types(self)
        if self.device not in DEVICES:
            raise ConfigError(f"device must be one of {', '.join(DEVICES)}, not {self.device!r}")
        if self.precision not in PRECISIONS:
            raise ConfigError(f"precision must be one of {', '.join(PRECISIONS)}, not {self.precision!r}")
        if not 1 <= self.batch_size <= 1024:
            raise ConfigError(f"batch_size must be between 1 and 1024, not {self.batch_size}")
        if self.threads < 0:
            raise ConfigError(f"threads must be 0 (automatic) or more, not {self.threads}")
        if self.store_url and not self.store_url.startswith(("http://", "https://")):
            hint = f" (did you mean http://{self.store_url}?)" if "://" not in self.store_url else ""
            raise ConfigError(f"store_url (the library server) must be an http:// or https:// address of a Chroma "
                              f"server, or empty for the library on this computer, not {self.store_url!r}{hint}")
        if self.store_url:
            _check_server_address(self.store_url)
        if self.ocr not in OCR_MODES:
            raise ConfigError(f"ocr must be one of {', '.join(OCR_MODES)}, not {self.ocr!r}")
        if not 48 <= self.thumbnail_size <= 512:
            raise ConfigError(f"thumbnail_size must be between 48 and 512 pixels, not {self.thumbnail_size}")

    @classmethod
    def load(cls, path: Path) -> Settings:
        if not path.exists():
            return cls()
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read {path}: {exc}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: {exc}") from exc
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known - set(RETIRED))
        if unknown:
            log.warning("%s: ignoring unknown settings %s", path, ", ".join(unknown))
        values = {k: v for k, v in data.items() if k in known}
        try:
            return cls(**values)
        except (TypeError, ConfigError) as exc:  # the message names the key; the file and the fix are added
            key = next((k for k in values if str(exc).startswith(f"{k} ")), None)
            fix = f" (fix it: photo-tagger settings {key} VALUE)" if key else ""
            raise ConfigError(f"{path}: {exc}{fix}") from None

    @classmethod
    def load_lenient(cls, path: Path) -> tuple[Settings, list[str]]:
        """The settings with each bad value left at its default, and what was wrong (file and key named): what the
        `settings` command opens, so that it can show and fix a file every other command refuses."""
        try:
            return cls.load(path), []
        except ConfigError as exc:
            problems = [str(exc)]
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            return cls(), problems  # unreadable as a whole: the defaults (saving keeps the file aside first)
        settings, problems = cls(), []
        for key in (f.name for f in fields(cls)):
            if key in data:
                try:
                    settings = replace(settings, **{key: data[key]})
                except (TypeError, ConfigError) as exc:
                    problems.append(f"{path}: {exc} (its default is in use until fixed: photo-tagger settings "
                                    f"{key} VALUE)")
        return settings, problems

    def save(self, path: Path) -> None:
        """Write atomically, so a crash never leaves a half-written settings file. A file that is not TOML (a hand
        edit with a typo) is kept aside first, as settings.toml.broken-STAMP: what was typed is never lost."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            _set_aside_if_not_toml(path)
            tmp = path.with_suffix(".toml.tmp")
            tmp.write_text(tomli_w.dumps(asdict(self)), encoding="utf-8")
            os.replace(tmp, path)
        except OSError as exc:  # a read-only or full disk: said in one line, the file as it was
            raise ConfigError(f"cannot save {path}: {exc.strerror or exc}; nothing was changed") from None

    def with_changes(self, **changes) -> Settings:
        return replace(self, **changes)


# What each setting is, in one line (`photo-tagger settings` lists them with their values).
SETTINGS_HELP = {
    "model": "the installed model in use; empty: the only one installed (`photo-tagger model list`)",
    "device": "where the model runs: auto (a GPU when onnxruntime has one), cpu or gpu",
    "precision": "the image encoder's precision: fp32, or int8 (faster on CPU; a model installed with --int8)",
    "batch_size": "photos encoded at once while indexing, 1 to 1024",
    "threads": "onnxruntime threads; 0: one per core",
    "store_url": "a Chroma server holding a shared library (https://host:port behind a token-checking proxy); empty: "
                 "the library on this computer",
    "store_ca_file": "the certificate (PEM) of the authority that signed the library server's TLS certificate, "
                     "e.g. Caddy's root.crt; empty: the usual public authorities",
    "fast_decode": "decode large JPEGs at a lower resolution for faster indexing: true or false",
    "ocr": "read text in photos (searchable): auto (photos that look like they hold text), all, or off",
    "thumbnail_size": "the window's thumbnail size in pixels, 48 to 512 (Small 112, Medium 160, Large 240)",
    "sidecar_albums": "write each photo's albums into its XMP sidecar as Albums|Name keywords (digiKam and "
                      "Lightroom show them): true or false",
}
# Keys of older settings.toml files, read past without a warning (the next save leaves them out), and what to use
# instead: the watched folders live in the library's catalog, and adding or removing one is work (indexing,
# forgetting photos).
RETIRED = {"roots": "the watched folders are kept in the library: `photo-tagger index FOLDER` adds one, "
                    "`photo-tagger unwatch FOLDER` removes one, `photo-tagger status` lists them"}
_KINDS = {"str": str, "int": int, "bool": bool}
_TRUE, _FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0")


def _check_server_address(url: str) -> None:
    """A store_url the HTTP client can use: a host, a port that is a number (urllib's own parsing: an unclosed
    IPv6 bracket failed every later search and index as an internal error)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises for a port that is no number or out of range
        host = parts.hostname
    except ValueError as exc:
        raise ConfigError(f"store_url {url!r} is not a valid server address ({exc})") from None
    if not host:
        raise ConfigError(f"store_url {url!r} has no host name: http://HOST:PORT")


def _check_types(settings: Settings) -> None:
    for f in fields(settings):
        kind, value = _KINDS[str(f.type)], getattr(settings, f.name)  # str: annotations are strings here
        # bool is an int to Python, not to a reader of settings.toml.
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            what = {str: "text", int: "a whole number", bool: "true or false"}[kind]
            raise ConfigError(f"{f.name} must be {what}, not {value!r}")


def _set_aside_if_not_toml(path: Path) -> Path | None:
    try:
        tomllib.loads(path.read_text(encoding="utf-8"))
        return None
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        aside = path.with_name(f"{path.name}.broken-{datetime.now(UTC):%Y%m%d-%H%M%S-%f}")
        os.replace(path, aside)
        log.warning("%s could not be read (%s): kept it as %s", path, exc, aside)
        return aside


def setting_names() -> tuple[str, ...]:
    """The settings one may list and set (SETTINGS_HELP's order)."""
    return tuple(SETTINGS_HELP)


def check_setting_name(key: str) -> None:
    if key in RETIRED:
        raise ConfigError(f"{key} is not a setting to change: {RETIRED[key]}")
    if key not in SETTINGS_HELP:
        raise ConfigError(f"unknown setting {key!r}; the settings are {', '.join(setting_names())}")


def parse_setting(key: str, text: str):
    """A setting's value from text (the command line), typed as Settings holds it. ConfigError for an unknown
    key, a setting another command owns, or text of the wrong kind; Settings itself then checks the value."""
    check_setting_name(key)
    kind = _KINDS[str(next(f.type for f in fields(Settings) if f.name == key))]
    text = text.strip()
    if kind is bool:
        if text.lower() not in _TRUE + _FALSE:
            raise ConfigError(f"{key} must be true or false, not {text!r}")
        return text.lower() in _TRUE
    if kind is int:
        try:
            return int(text)
        except ValueError:
            raise ConfigError(f"{key} must be a whole number, not {text!r}") from None
    return text


def format_setting(value) -> str:
    """A value as `photo-tagger settings` shows it (and parse_setting reads it back)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def library_id(library_dir: Path) -> str:
    """This library's id (a uuid kept in its folder, made on first use): it marks the vectors this app
    instance writes to a shared Chroma server, so that other instances can tell its photos from theirs."""
    path = library_dir / "library-id"
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        text = ""
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    if text:
        return text
    library_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(uuid.uuid4().hex + "\n", encoding="utf-8")
    try:
        os.link(tmp, path)  # never replaces an id another process made first
    except FileExistsError:
        pass
    except OSError:  # no hard links on this file system
        if not path.exists():
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path.read_text(encoding="utf-8").strip()
