"""Does a photo likely hold text? A cheap first look at its decoded pixels (ocr = auto): the photos it passes get a
second look by PP-OCR's detector in the text stage (core/photo_text.py), and only those with text found are read."""

from __future__ import annotations

import numpy as np
from PIL import Image

# Tuned on rendered text and textless images, measured in benchmarks/RESULTS.md ("Text in photos").
# Three looks: the decoded photo (at most FINE_SIDE: small text, 7-12 px letters in the indexer's 448 px decode), half
# that, and a quarter (large bold letters whose strokes are wider than a cell). The first look is tuned for recall
# (about 0.99 on tests/text_photos_varied.py, passing about 40% of camera-like photos): the detector decides after it.
FINE_SIDE = 640
GATE_SIDE = 320
COARSE_EXTRA = 1  # cells the half- and quarter-size looks need beyond the fine one's (brick, windows pass them more)
CELL = 8  # pixels of that copy per cell
EDGE = 48  # a grey step (of 255) across two pixels that counts as an ink edge
FLAT = 10  # a step under this is paper (or a stroke's inside)
ROWS_WITH_PAIRS = 0.25  # of a cell's rows, those crossing a stroke (a rise and a fall of ink)
COLUMNS_WITH_PAIRS = 0.125  # of its columns (bars, bowls, serifs: fewer than upright strokes)
PAPER = 0.25  # of its pixels, flat ones


def text_score(image: Image.Image) -> float:
    """How much of the photo looks like lines of text: the longest horizontal (or vertical, for text at 90
    degrees) run of cells that have ink edges in both directions beside flat paper, as text strokes do. Grain,
    foliage and noise have edges without flat paper; a fence or stripes have edges in one direction only. Looked
    at three times (FINE_SIDE, GATE_SIDE, half that); the coarser looks must see COARSE_EXTRA more cells."""
    factor = -(-max(image.size) // FINE_SIDE)  # reduce() by a whole factor: Pillow's fastest box filter
    fine = (image.reduce(factor) if factor > 1 else image).convert("L")
    half = fine.reduce(2) if max(fine.size) > GATE_SIDE else fine
    scores = [_lines(np.asarray(fine, dtype=np.int16))]
    for coarse in (half, half.reduce(2)):
        scores.append(_lines(np.asarray(coarse, dtype=np.int16)) - COARSE_EXTRA)
    return max(*scores, 0.0)


def _lines(g: np.ndarray) -> float:
    h, w = (g.shape[0] - 2) // CELL * CELL, (g.shape[1] - 2) // CELL * CELL
    if h < CELL or w < CELL:
        return 0.0
    dx = g[1 : h + 1, 2 : w + 2] - g[1 : h + 1, :w]  # central differences over the same h x w pixels
    dy = g[2 : h + 2, 1 : w + 1] - g[:h, 1 : w + 1]
    cells = (h // CELL, CELL, w // CELL, CELL)
    flat = ((np.abs(dx) < FLAT) & (np.abs(dy) < FLAT)).reshape(cells).mean(axis=(1, 3))
    # A stroke is a rise and a fall of ink within a cell: along rows for upright strokes, along columns for bars
    # and bowls. A fence or stripes have pairs one way only; a boundary has one step, not a pair.
    pairs_x = ((dx > EDGE).reshape(cells).any(axis=3) & (dx < -EDGE).reshape(cells).any(axis=3)).mean(axis=1)
    pairs_y = ((dy > EDGE).reshape(cells).any(axis=1) & (dy < -EDGE).reshape(cells).any(axis=1)).mean(axis=2)
    texty = (pairs_x >= ROWS_WITH_PAIRS) & (pairs_y >= COLUMNS_WITH_PAIRS) & (flat > PAPER)
    # A line of text straddles two rows of cells as often as not: look at each pair of neighbouring rows.
    lines, columns = texty[:-1] | texty[1:], texty[:, :-1] | texty[:, 1:]
    return float(max(_longest_run(lines), _longest_run(columns.T)))


def _longest_run(cells: np.ndarray) -> int:
    """The longest run of True along any row (a line of text crosses several cells side by side)."""
    if not cells.any():
        return 0
    padded = np.zeros((cells.shape[0], cells.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = cells
    edges = np.diff(padded, axis=1)
    starts, ends = np.nonzero(edges == 1), np.nonzero(edges == -1)
    return int((ends[1] - starts[1]).max())
