"""PyInstaller entry script: the same `main` as the `photo-tagger` command (no args opens the app)."""

import multiprocessing
import sys

from photo_tagger.__main__ import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # a frozen app must not re-run main() in child processes
    sys.exit(main())
