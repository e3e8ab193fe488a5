"""Decode a user's photo robustly (orientation, modes, JPEG draft) and CLIP-preprocess it."""

from __future__ import annotations

import contextlib
import errno
import io
import logging
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from PIL import Image

from photo_tagger.core.errors import PhotoTaggerError
from photo_tagger.core.raw_files import RawDecoder, is_raw_name
from photo_tagger.core.types import PreprocessSpec

log = logging.getLogger(__name__)

# Header-declared pixel cap. Covers 200 MP phone sensors (16320x12240); anything bigger is a
# decompression bomb or absurd for tagging. JPEGs that pass decode at draft size, so memory stays small.
MAX_PIXELS = 200_000_000

# Draft (DCT-scaled) JPEG decodes keep the shorter side >= this many times the model's input size.
# Measured on 12 MP JPEGs (benchmarks/RESULTS.md, "Preprocessing parity"): 2x keeps the worst pixel
# within what transformers' own two backends disagree by (1x: 4x larger worst case, ~25% faster;
# the `fast_decode` setting picks it).
DRAFT_OVERSAMPLE = 2.0
FAST_DRAFT_OVERSAMPLE = 1.0

_ORIENTATION_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
# Photo formats only: keeps Pillow away from EPS (Ghostscript), fonts and other odd plugins.
PHOTO_FORMATS = (
    "JPEG",
    "MPO",
    "PNG",
    "GIF",
    "WEBP",
    "TIFF",
    "BMP",
    "DIB",
    "HEIF",
    "AVIF",
    "JPEG2000",
    "PPM",
    "TGA",
    "ICO",
    "PCX",
    "QOI",
)
_ALPHA_MODES = {"RGBA", "LA", "PA", "RGBa"}
# A decode with a size to reach (indexing, reading text) of more pixels than this is box-reduced to that size as
# soon as it is decoded, and one such decode runs at a time across threads: a 196 MP PNG is 588 MB decoded, and
# the decode pool's workers plus the text stage must not hold several (benchmarks/RESULTS.md, "Decode memory").
# JPEGs reach their size by DCT scaling (draft) and rarely get here.
BIG_DECODE_PIXELS = 24_000_000
_big_decodes = threading.Semaphore(1)
_no_wait = contextlib.nullcontext()
_WHITE = (255, 255, 255)


class UnreadableImage(PhotoTaggerError):
    """A file that cannot be turned into pixels; `reason` is a short phrase shown to the user."""

    def __init__(self, path: os.PathLike | str, reason: str):
        super().__init__(f"{os.fsdecode(path)}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class ImageInfo:
    """Facts the indexer stores, read from the same open as the pixels."""

    width: int  # after EXIF orientation, at full resolution
    height: int
    format: str | None = None
    taken_at: datetime | None = None  # EXIF DateTimeOriginal, camera-local time
    camera_make: str | None = None
    camera_model: str | None = None
    gps_lat: float | None = None
    gps_lon: float | None = None


_raw_decoder: RawDecoder | None = None


def register_raw_decoder(decoder: RawDecoder | None) -> None:
    """Like Pillow's register_open, for RAW files: the composition root registers LibRaw's adapter once."""
    global _raw_decoder
    _raw_decoder = decoder


_setup_lock = threading.Lock()
_setup_done = False
_open_formats: tuple[str, ...] = ()


def _ensure_setup() -> None:
    """Register HEIF/AVIF openers and the bomb threshold once (lazily: import stays cheap)."""
    global _setup_done, _open_formats
    if _setup_done:
        return
    with _setup_lock:
        if _setup_done:
            return
        try:
            # pi-heif: pillow-heif's decode-only build (libheif + libde265, LGPL shared libraries). pillow-heif's
            # wheels also bundle the GPL x265 encoder, which this app never needs: it only reads photos.
            import pi_heif

            pi_heif.register_heif_opener()
            # Pillow >= 11.2 decodes AVIF itself; only fall back to a HEIF plugin's AVIF opener without it.
            from PIL import features

            if not features.check("avif") and hasattr(pi_heif, "register_avif_opener"):
                pi_heif.register_avif_opener()
        except Exception as exc:  # missing or broken pi_heif only costs HEIC support
            log.info("HEIF support unavailable: %s", exc)
        # Pillow's own limit (89 MP warn, 179 MP error) would reject 100-200 MP camera photos; we
        # enforce MAX_PIXELS ourselves, so Pillow only ever warns/errors about files we reject anyway.
        if Image.MAX_IMAGE_PIXELS is not None and Image.MAX_IMAGE_PIXELS < MAX_PIXELS:
            Image.MAX_IMAGE_PIXELS = MAX_PIXELS
        Image.init()
        # Pillow raises KeyError for a listed format it has no opener for (MPO opens as JPEG).
        _open_formats = tuple(f for f in PHOTO_FORMATS if f in Image.OPEN)
        _setup_done = True


def _open_reason(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "file vanished"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, IsADirectoryError):
        return "is a directory"
    if exc.errno == errno.ENAMETOOLONG:
        return "file name too long"
    return f"cannot read file ({exc.strerror or exc})"


def _bomb_reason(exc: Exception) -> str:
    found = re.search(r"\((\d+) pixels\)", str(exc))
    return f"decompression bomb: {int(found.group(1)):,} pixels" if found else "decompression bomb"


def read_bytes(path) -> bytes:
    """The whole file, for callers that hash what they decode; failures become UnreadableImage."""
    try:
        with open(path, "rb") as fp:
            data = fp.read()
    except OSError as exc:
        raise UnreadableImage(path, _open_reason(exc)) from exc
    if not data:
        raise UnreadableImage(path, "empty file")
    return data


def _decode(path, min_side: int | None, data: bytes | None = None) -> tuple[Image.Image, ImageInfo]:
    _ensure_setup()
    if is_raw_name(path):
        return _decode_raw(path, min_side, data)
    try:
        fp = open(path, "rb") if data is None else io.BytesIO(data)
    except OSError as exc:
        raise UnreadableImage(path, _open_reason(exc)) from exc
    with fp:
        try:
            if (len(data) if data is not None else os.fstat(fp.fileno()).st_size) == 0:
                raise UnreadableImage(path, "empty file")
            img = Image.open(fp, formats=_open_formats)
        except UnreadableImage:
            raise
        except Image.UnidentifiedImageError as exc:
            raise UnreadableImage(path, "not an image (or unsupported format)") from exc
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise UnreadableImage(path, _bomb_reason(exc)) from exc
        except OSError as exc:  # Pillow's format errors are OSErrors without an errno
            reason = _open_reason(exc) if exc.errno else "truncated or corrupt image data"
            raise UnreadableImage(path, reason) from exc
        except Exception as exc:  # plugins raise SyntaxError, ValueError, struct.error ... on bad headers
            raise UnreadableImage(path, f"corrupt image header ({type(exc).__name__})") from exc
        try:
            return _load(img, path, min_side)
        except UnreadableImage:
            raise
        except MemoryError as exc:
            raise UnreadableImage(path, "image too large to decode (out of memory)") from exc
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise UnreadableImage(path, _bomb_reason(exc)) from exc
        except Exception as exc:  # OSError "truncated", SyntaxError, ValueError, EOFError ...
            raise UnreadableImage(path, "truncated or corrupt image data") from exc


def _decode_raw(path, min_side: int | None, data: bytes | None) -> tuple[Image.Image, ImageInfo]:
    decoder = _raw_decoder
    if decoder is None:
        raise UnreadableImage(path, "RAW files cannot be read here: no RAW decoder (rawpy) is installed")
    if data is None:
        try:
            if os.stat(path).st_size == 0:
                raise UnreadableImage(path, "empty file")
        except OSError as exc:
            raise UnreadableImage(path, _open_reason(exc)) from exc
    elif not data:
        raise UnreadableImage(path, "empty file")
    try:
        rendition = decoder(path, data, min_side)
        img = rendition.image
        if min_side is not None and img.size[0] * img.size[1] > BIG_DECODE_PIXELS:
            img = _reduced(img, min_side)
        rgb = to_rgb(img)
    except UnreadableImage:
        raise
    except MemoryError as exc:
        raise UnreadableImage(path, "RAW too large to decode (out of memory)") from exc
    except Exception as exc:  # a decoder bug on one odd file must not cost the batch
        log.warning("decoding RAW %r failed", path, exc_info=True)
        raise UnreadableImage(path, f"cannot decode this RAW file ({type(exc).__name__})") from exc
    return rgb, _info(rendition.exif, rendition.width, rendition.height, rendition.format)


def _load(img: Image.Image, path, min_side: int | None) -> tuple[Image.Image, ImageInfo]:
    w, h = img.size
    if w <= 0 or h <= 0:
        raise UnreadableImage(path, f"image too large/absurd dimensions: {w}x{h}")
    if w * h > MAX_PIXELS:
        raise UnreadableImage(path, f"decompression bomb: {w}x{h} pixels")
    fmt = img.format
    if min_side and fmt in ("JPEG", "MPO") and min(w, h) >= 2 * min_side:
        # DCT scaling must be chosen before load; asking min_side both ways keeps the shorter
        # side >= min_side whatever the orientation turns out to be.
        img.draft("RGB", (min_side, min_side))
    big = min_side is not None and img.size[0] * img.size[1] > BIG_DECODE_PIXELS
    with _big_decodes if big else _no_wait:
        img.load()  # first frame of animated GIF/WebP/APNG: Image.open leaves us on frame 0
        try:
            exif = img.getexif()
        except Exception:  # a broken EXIF block must not cost the pixels
            exif = Image.Exif()
        if big and min_side is not None:
            img = _reduced(img, min_side)
    orientation = exif.get(0x0112, 1)
    method = _ORIENTATION_TRANSPOSE.get(orientation) if isinstance(orientation, int) else None
    try:
        rgb = to_rgb(img)
    except ValueError as exc:  # a mode Pillow cannot convert (La, exotic TIFF layouts)
        raise UnreadableImage(path, f"unsupported colour mode {img.mode}") from exc
    if method is not None:
        rgb = rgb.transpose(method)
        if method in (
            Image.Transpose.TRANSPOSE,
            Image.Transpose.TRANSVERSE,
            Image.Transpose.ROTATE_90,
            Image.Transpose.ROTATE_270,
        ):
            w, h = h, w
    return rgb, _info(exif, w, h, fmt)


def _reduced(img: Image.Image, min_side: int) -> Image.Image:
    """A large decoded image (not a draft-decoded JPEG) box-averaged down to a short side >= min_side, before any
    conversion (RGBA composited on white, 16-bit scaled through float64) makes full-size copies of it."""
    factor = min(img.size) // min_side
    if factor < 2:
        return img
    if img.mode in ("P", "1", "I;16", "I;16B", "I;16L", "I;16N", "PA"):  # modes Image.reduce cannot average
        small = img.resize((img.width // factor, img.height // factor), Image.Resampling.NEAREST)
    else:
        small = img.reduce(factor)
    small.info = dict(img.info)  # transparency, ICC profile
    img.close()
    return small


def to_rgb(img: Image.Image) -> Image.Image:
    """Any Pillow mode -> 8-bit RGB; alpha composited on white (as transformers does)."""
    mode = img.mode
    if mode == "RGB":
        return img
    if mode in _ALPHA_MODES or (mode in ("P", "L", "RGB") and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, _WHITE + (255,))
        return Image.alpha_composite(background, rgba).convert("RGB")
    if mode == "CMYK":
        return _cmyk_to_rgb(img)
    if mode.startswith("I") or mode == "F":
        return Image.fromarray(_to_uint8(np.asarray(img)), "L").convert("RGB")
    return img.convert("RGB")  # 1, L, P, YCbCr, LAB, HSV


def _to_uint8(a: np.ndarray) -> np.ndarray:
    """Scale a 16/32-bit or float gray image to 8 bits by its type's range (stretch only if unknown)."""
    a = np.nan_to_num(a.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    lo, hi = float(a.min()), float(a.max())
    if lo >= 0 and hi <= 1.0 and a.dtype.kind == "f":
        scale, offset = 255.0, 0.0
    elif lo >= 0 and hi <= 255:
        scale, offset = 1.0, 0.0
    elif lo >= 0 and hi <= 65535:
        scale, offset = 255.0 / 65535.0, 0.0
    else:  # signed or wider than 16 bits: no natural range, stretch what is there
        scale, offset = (255.0 / (hi - lo) if hi > lo else 0.0), lo
    return np.clip(np.rint((a - offset) * scale), 0, 255).astype(np.uint8)


def _cmyk_to_rgb(img: Image.Image) -> Image.Image:
    icc = img.info.get("icc_profile")
    if icc:
        try:
            import io

            from PIL import ImageCms

            src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            dst = ImageCms.createProfile("sRGB")
            converted = ImageCms.profileToProfile(img, src, dst, outputMode="RGB")
            if converted is not None:  # None only for a conversion in place
                return converted
        except Exception as exc:  # bad profile or no littlecms: the naive formula still looks right
            log.debug("CMYK ICC transform failed: %s", exc)
    return img.convert("RGB")


def _info(exif: Image.Exif, width: int, height: int, fmt: str | None) -> ImageInfo:
    try:
        sub = exif.get_ifd(0x8769)
        taken = _exif_datetime(sub.get(0x9003) or sub.get(0x9004))
        lat, lon = _gps(exif.get_ifd(0x8825))
        return ImageInfo(width, height, fmt, taken, _text(exif.get(0x010F)), _text(exif.get(0x0110)), lat, lon)
    except Exception as exc:  # metadata is a bonus; never fail the photo over it
        log.debug("EXIF unreadable: %s", exc)
        return ImageInfo(width, height, fmt)


def _text(value) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    value = value.replace("\x00", "").strip()
    return value or None


def _exif_datetime(value) -> datetime | None:
    text = _text(value)
    if not text:
        return None
    try:
        return datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:  # "0000:00:00 00:00:00" and other camera junk
        return None


def _gps(gps) -> tuple[float | None, float | None]:
    def coord(value, ref, limit: float) -> float | None:
        if not value or len(value) != 3:
            return None
        deg = float(value[0]) + float(value[1]) / 60.0 + float(value[2]) / 3600.0
        if _text(ref) in ("S", "W"):
            deg = -deg
        return round(deg, 7) if np.isfinite(deg) and abs(deg) <= limit else None

    if not gps:
        return None, None
    lat, lon = coord(gps.get(2), gps.get(1), 90.0), coord(gps.get(4), gps.get(3), 180.0)
    return (lat, lon) if lat is not None and lon is not None else (None, None)


def open_rgb(path: os.PathLike | str, *, min_side: int | None = None) -> Image.Image:
    """Open `path` as upright 8-bit RGB; with min_side, JPEGs decode at a reduced size >= min_side."""
    return _decode(path, min_side)[0]


def open_rgb_and_info(path: os.PathLike | str, *, min_side: int | None = None) -> tuple[Image.Image, ImageInfo]:
    return _decode(path, min_side)


def resize_output_size(width: int, height: int, size: int) -> tuple[int, int]:
    """transformers' shortest-edge size (torchvision rule): long side truncated, not rounded."""
    if width <= height:
        return size, int(size * height / width)
    return int(size * width / height), size


RESIZE_MODES = ("shortest", "squash")
# The PIL filter names a preprocess config may give (open_clip and Immich name them so).
RESAMPLING = {r.name.lower(): r for r in Image.Resampling}


def clip_pixels(img: Image.Image, spec: PreprocessSpec) -> np.ndarray:
    """(3,S,S) float32 exactly as CLIPImageProcessor: bicubic shortest edge, center crop, scale, normalize
    (the default spec); spec.resize_mode "squash" resizes both sides to S instead (no crop), as SigLIP does."""
    if img.mode != "RGB":
        img = to_rgb(img)
    s = spec.image_size
    resample = RESAMPLING[spec.interpolation]
    w, h = img.size
    nw, nh = resize_output_size(w, h, s)
    left, top = (nw - s) // 2, (nh - s) // 2
    if spec.resize_mode == "squash":
        out = img.resize((s, s), resample)
    elif spec.resize_mode != "shortest":
        raise ValueError(f"unknown resize mode {spec.resize_mode!r}")
    elif nw * nh <= 4 * s * s:
        # Same PIL call as transformers, then crop: bit-identical to the reference.
        out = img.resize((nw, nh), resample).crop((left, top, left + s, top + s))
    else:
        # Extreme aspect ratios: resize only the crop window (box in source coordinates, same
        # scale), so a 1x100000 strip never becomes a 224x22,400,000 intermediate. Differs from
        # resize-then-crop by at most a rare 1-2/255 rounding flip.
        sx, sy = w / nw, h / nh
        box = (left * sx, top * sy, (left + s) * sx, (top + s) * sy)
        out = img.resize((s, s), resample, box=box)
    arr = (np.asarray(out, dtype=np.float64) * (1 / 255)).astype(np.float32)
    mean = np.asarray(spec.mean, dtype=np.float32)
    std = np.asarray(spec.std, dtype=np.float32)
    return np.ascontiguousarray(((arr - mean) / std).transpose(2, 0, 1))


def load_pixels_and_info(
    path: os.PathLike | str,
    spec: PreprocessSpec,
    *,
    draft: bool = True,
    data: bytes | None = None,
    oversample: float = DRAFT_OVERSAMPLE,
    on_image: Callable[[Image.Image], None] | None = None,
) -> tuple[np.ndarray, ImageInfo]:
    """Decode + preprocess in one open (of `data` when given, already read from `path`);
    raises UnreadableImage with a reason for any bad file. `on_image` sees the decoded RGB image (e.g. the
    indexer's photo analyzers) before it is closed."""
    min_side = max(spec.image_size, round(spec.image_size * oversample)) if draft else None
    img, info = _decode(path, min_side, data)
    try:
        pixels = clip_pixels(img, spec)
        if on_image is not None:
            on_image(img)
        return pixels, info
    except MemoryError as exc:
        raise UnreadableImage(path, "image too large to decode (out of memory)") from exc
    except Exception as exc:  # a photo that fails is data, never a crash of the index job
        log.warning("preprocessing %r failed", path, exc_info=True)
        raise UnreadableImage(path, f"cannot preprocess ({type(exc).__name__})") from exc
    finally:
        img.close()


def load_pixels(path: os.PathLike | str, spec: PreprocessSpec, *, draft: bool = True) -> np.ndarray:
    return load_pixels_and_info(path, spec, draft=draft)[0]
