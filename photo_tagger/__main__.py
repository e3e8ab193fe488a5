"""Entry point: no arguments opens the desktop app; a subcommand runs headless."""

from __future__ import annotations

import os
import sys

# One BLAS thread: a search's pass over the matrix is memory-bound, and on a busy 2-core machine a second
# OpenBLAS thread that is not scheduled stalls it for tens of ms (benchmarks/RESULTS.md). Set before numpy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def main(argv: list[str] | None = None) -> int:
    from photo_tagger.cli.main import run

    return run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    sys.exit(main())
