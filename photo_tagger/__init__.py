"""Photo Tagger: tag, search and moderate photos by meaning with CLIP, offline."""

import os

__version__ = "0.1.0"

# onnxruntime (1.2x+) starts Microsoft's telemetry when imported: it writes a device id and an event store under
# ~/.cache/Microsoft/DeveloperTools, outside --home, and an offline photo app has nothing to report. Set before any
# module of the package can import onnxruntime; a user's own setting wins.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
