"""Camera RAW files through LibRaw (rawpy): the embedded preview when it is usable, else a half-size decode."""

from __future__ import annotations

import io
import logging
import os

from PIL import Image

from photo_tagger.core.preprocess import UnreadableImage, read_bytes, register_raw_decoder
from photo_tagger.core.raw_files import RawRendition

log = logging.getLogger(__name__)

# LibRaw's flip (sizes.flip) -> the turn that makes the stored preview upright. postprocess() applies it itself.
_FLIP_TRANSPOSE = {3: Image.Transpose.ROTATE_180, 5: Image.Transpose.ROTATE_90, 6: Image.Transpose.ROTATE_270}
_EXIF_TRANSPOSE = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
                   4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270,
                   7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_90}
# TIFF-structured RAWs (DNG, CR2, NEF, ARW, PEF, SRW ...) carry their EXIF in the file's own IFDs. Olympus (IIRO,
# IIRS, MMOR) and Panasonic (IIU) change only the magic number of a TIFF header: read with the standard one.
_TIFF_MAGIC = (b"II*\x00", b"MM\x00*")
_TIFF_LIKE = {b"IIRO": b"II*\x00", b"IIRS": b"II*\x00", b"MMOR": b"MM\x00*", b"IIU\x00": b"II*\x00"}


def register() -> None:
    """Make core/preprocess decode RAW files with LibRaw (the composition root calls it)."""
    register_raw_decoder(decode_raw)


def rawpy_available() -> bool:
    try:
        import rawpy  # noqa: F401
    except ImportError:
        return False
    return True


def decode_raw(path: os.PathLike | str, data: bytes | None = None, min_side: int | None = None, *,
               prefer: str = "preview") -> RawRendition:
    """The RAW at `path` (or its bytes, already read) as an upright picture: its embedded preview when that is at
    least `min_side` on its shorter side (or as large as a half-size decode), else a half-size decode. `prefer`
    "decode" skips the preview, "full" makes a full-size decode (the benchmark's baselines). Raises UnreadableImage
    with a reason."""
    import rawpy

    if data is None:
        data = read_bytes(path)
    fmt = os.path.splitext(os.fspath(path))[1].lstrip(".").upper() or "RAW"
    try:
        raw = rawpy.imread(io.BytesIO(data))
    except rawpy.LibRawFileUnsupportedError as exc:
        raise UnreadableImage(path, f"not a {fmt} file LibRaw can read (unsupported camera or corrupt file)") from exc
    except rawpy.LibRawError as exc:
        raise UnreadableImage(path, _reason(exc, fmt)) from exc
    with raw:
        flip = raw.sizes.flip
        width, height = raw.sizes.width, raw.sizes.height
        if flip in (5, 6):
            width, height = height, width
        if width <= 0 or height <= 0:
            raise UnreadableImage(path, f"{fmt} file without an image (size {width}x{height})")
        exif = read_raw_exif(data)
        preview = None if prefer != "preview" else _preview(raw, path, min_side, flip, min(width, height))
        if preview is not None:
            image, preview_exif = preview
            if not exif and preview_exif:  # RAF, CR3: the camera's EXIF travels in the preview JPEG
                exif = preview_exif
            return RawRendition(image, width, height, exif, fmt, "preview")
        try:
            pixels = raw.postprocess(half_size=prefer != "full", use_camera_wb=True, output_bps=8)
        except rawpy.LibRawError as exc:
            raise UnreadableImage(path, _reason(exc, fmt)) from exc
    return RawRendition(Image.fromarray(pixels, "RGB"), width, height, exif, fmt, "decode")


def _reason(exc: Exception, fmt: str) -> str:
    import rawpy

    if isinstance(exc, (rawpy.LibRawIOError, rawpy.LibRawDataError)):
        return f"truncated or corrupt {fmt} data"
    if isinstance(exc, (rawpy.LibRawTooBigError, rawpy.LibRawUnsufficientMemoryError)):
        return f"{fmt} too large to decode"
    return f"cannot decode this {fmt} file ({type(exc).__name__})"


def _preview(raw, path, min_side: int | None, flip: int, full_short: int) -> tuple[Image.Image, Image.Exif] | None:
    """The embedded preview, upright, when there is one and it is large enough; None sends the caller to a decode.
    A tiny thumbnail (old cameras keep 160x120 ones) or a broken JPEG is not usable."""
    import rawpy

    try:
        thumb = raw.extract_thumb()
    except rawpy.LibRawError as exc:  # no preview, an unsupported kind, or a damaged one
        log.debug("no usable preview in %s: %s", path, exc)
        return None
    wanted = max(1, min(min_side or full_short, full_short // 2))
    exif = Image.Exif()
    try:
        if thumb.format == rawpy.ThumbFormat.JPEG:
            image = Image.open(io.BytesIO(thumb.data), formats=("JPEG", "MPO"))
            if min(image.size) < wanted:
                return None
            if min_side and min(image.size) >= 2 * min_side:
                image.draft("RGB", (min_side, min_side))  # DCT scaling, as for any JPEG
            image.load()
            exif = image.getexif()
            image = image.convert("RGB") if image.mode != "RGB" else image
        else:
            image = Image.fromarray(thumb.data, "RGB")
            if min(image.size) < wanted:
                return None
    except Exception as exc:  # a broken preview JPEG: the RAW data may still decode
        log.info("the preview in %s is broken (%s); decoding the RAW data instead", path, exc)
        return None
    # LibRaw's flip is the RAW's own orientation; a preview JPEG's EXIF orientation is used only when it has none.
    turn = _FLIP_TRANSPOSE.get(flip) if flip else _EXIF_TRANSPOSE.get(exif.get(0x0112, 1))
    return (image.transpose(turn) if turn is not None else image), exif


def read_raw_exif(data: bytes) -> Image.Exif:
    """The EXIF in a TIFF-structured RAW (dates, camera, GPS), empty for other layouts (CR3, RAF) or a broken one."""
    exif = Image.Exif()
    head = data[:4]
    if head not in _TIFF_MAGIC and head not in _TIFF_LIKE:
        return exif
    try:
        exif.load(_TIFF_LIKE[head] + data[4:] if head in _TIFF_LIKE else data)
        exif.get_ifd(0x8769)  # parsed now: a broken sub-IFD costs the EXIF here, not later
    except Exception as exc:  # metadata is a bonus; the pixels still count
        log.debug("RAW EXIF unreadable: %s", exc)
        return Image.Exif()
    return exif
