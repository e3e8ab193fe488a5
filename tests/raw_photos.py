"""DNG files for tests, written with PiDNG: a Bayer mosaic of a known picture, with or without an embedded preview
(JPEG or bitmap), an orientation and EXIF dates. Real cameras' RAWs cannot be made here (see the README)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from pidng.defs import CalibrationIlluminant, DNGVersion, PhotometricInterpretation
from pidng.dng import DNG, Tag, Type, dngIFD, dngTag
from PIL import Image

# XYZ (D65) -> linear sRGB: with it as ColorMatrix1 the "camera" sees linear sRGB, so a decode gives the picture back.
_XYZ_TO_SRGB = ((3.2406, -1.5372, -0.4986), (-0.9689, 1.8758, 0.0415), (0.0557, -0.2040, 1.0570))


def quadrants(width: int = 256, height: int = 192) -> np.ndarray:
    """Red top-left, green top-right, blue bottom-left, white bottom-right: any turn or flip is visible."""
    rgb = np.zeros((height, width, 3), np.uint8)
    h, w = height // 2, width // 2
    rgb[:h, :w] = (220, 30, 30)
    rgb[:h, w:] = (30, 200, 30)
    rgb[h:, :w] = (30, 30, 220)
    rgb[h:, w:] = (235, 235, 235)
    return rgb


def _mosaic(rgb: np.ndarray) -> np.ndarray:
    """RGGB Bayer samples, 16 bits, linear light."""
    linear = ((rgb.astype(np.float64) / 255.0) ** 2.2 * 65535).astype(np.uint16)
    cfa = np.empty(rgb.shape[:2], np.uint16)
    cfa[0::2, 0::2] = linear[0::2, 0::2, 0]
    cfa[0::2, 1::2] = linear[0::2, 1::2, 1]
    cfa[1::2, 0::2] = linear[1::2, 0::2, 1]
    cfa[1::2, 1::2] = linear[1::2, 1::2, 2]
    return cfa


def _tag(tag, value) -> dngTag:
    return dngTag(tag, value)


def _ifd_tag(tag, ifd: dngIFD) -> dngTag:
    """A tag pointing at a sub-IFD. PiDNG's own IFD type mixes str and bytes on Python 3; its writer handles a
    tag with `subIFD` set whatever its type, so a LONG tag carries it."""
    pointer = dngTag((tag[0], Type.Long), [0])
    pointer.subIFD = ifd
    return pointer


def _rational(x: float) -> list[int]:
    return [round(x * 10000), 10000]


def dng_bytes(rgb: np.ndarray, *, preview: str | None = "jpeg", preview_width: int | None = None,
              orientation: int = 1, taken: str | None = "2024:05:03 10:20:30", make: str = "PhotoTagger",
              model: str = "Fixture DNG") -> bytes:
    """A DNG of `rgb` (stored as the camera's sensor saw it: `orientation` says how to turn it upright).
    preview: "jpeg", "bitmap" or None; preview_width: its width (default: the RAW's own)."""
    height, width = rgb.shape[:2]
    strips = [_mosaic(rgb).tobytes()]
    raw = dngIFD()
    raw_offsets = _tag(Tag.StripOffsets, [0])
    raw.tags += [
        _tag(Tag.NewSubfileType, [0]), _tag(Tag.ImageWidth, [width]), _tag(Tag.ImageLength, [height]),
        _tag(Tag.BitsPerSample, [16]), _tag(Tag.Compression, [1]),
        _tag(Tag.PhotometricInterpretation, [PhotometricInterpretation.Color_Filter_Array]),
        _tag(Tag.SamplesPerPixel, [1]), _tag(Tag.RowsPerStrip, [height]), _tag(Tag.PlanarConfiguration, [1]),
        raw_offsets, _tag(Tag.StripByteCounts, [len(strips[0])]),
        _tag(Tag.CFARepeatPatternDim, [2, 2]), _tag(Tag.CFAPattern, [0, 1, 1, 2]),
        _tag(Tag.BlackLevel, [0]), _tag(Tag.WhiteLevel, [65535]),
    ]
    exif = dngIFD()
    if taken:
        exif.tags += [_tag(Tag.DateTimeOriginal, taken)]
    exif.tags += [_tag(Tag.ExifVersion, list(b"0231"))]
    first = dngIFD()
    first.tags += [
        _tag(Tag.Make, make), _tag(Tag.Model, model), _tag(Tag.UniqueCameraModel, f"{make} {model}"),
        _tag(Tag.Orientation, [orientation]), _tag(Tag.DNGVersion, DNGVersion.V1_4),
        _tag(Tag.DNGBackwardVersion, DNGVersion.V1_2), _tag(Tag.Software, "PiDNG (Photo Tagger tests)"),
        _tag(Tag.ColorMatrix1, [_rational(x) for row in _XYZ_TO_SRGB for x in row]),
        _tag(Tag.CalibrationIlluminant1, [CalibrationIlluminant.D65]),
        _tag(Tag.AsShotNeutral, [[1, 1], [1, 1], [1, 1]]),
        _ifd_tag(Tag.EXIF_IFD, exif),
    ]
    offsets = [(raw_offsets, 0)]
    if preview is None:
        first.tags += raw.tags
    else:
        shown = Image.fromarray(rgb)
        if preview_width and preview_width != width:
            shown = shown.resize((preview_width, max(1, round(height * preview_width / width))))
        pw, ph = shown.size
        if preview == "jpeg":
            buffer = io.BytesIO()
            shown.save(buffer, "JPEG", quality=92)
            data, compression, photometric = buffer.getvalue(), 7, 6
        else:
            data, compression, photometric = shown.tobytes(), 1, 2
        strips.append(data)
        preview_offsets = _tag(Tag.StripOffsets, [0])
        first.tags += [
            _tag(Tag.NewSubfileType, [1]), _tag(Tag.ImageWidth, [pw]), _tag(Tag.ImageLength, [ph]),
            _tag(Tag.BitsPerSample, [8, 8, 8]), _tag(Tag.Compression, [compression]),
            _tag(Tag.PhotometricInterpretation, [photometric]), _tag(Tag.SamplesPerPixel, [3]),
            _tag(Tag.RowsPerStrip, [ph]), _tag(Tag.PlanarConfiguration, [1]),
            preview_offsets, _tag(Tag.StripByteCounts, [len(data)]), _ifd_tag(Tag.SubIFD, raw),
        ]
        offsets.append((preview_offsets, 1))
    dng = DNG()
    dng.IFDs.append(first)
    dng.ImageDataStrips += strips
    total = dng.dataLen()  # places the strips: their offsets are known from here
    for tag, strip in offsets:
        tag.setValue([dng.StripOffsets[strip]])
    buffer = bytearray(total)
    dng.setBuffer(buffer)
    dng.write()
    return bytes(buffer)


def write_dng(path: Path, rgb: np.ndarray | None = None, **options) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(dng_bytes(quadrants() if rgb is None else rgb, **options))
    return path
