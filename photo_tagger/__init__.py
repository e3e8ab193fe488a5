"""Photo Tagger: tag, search and moderate photos by meaning with CLIP, offline."""

__version__ = "0.1.0"
