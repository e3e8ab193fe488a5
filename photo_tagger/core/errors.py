"""Errors that reach the user as one clear line (the CLI prints them without a traceback)."""


class PhotoTaggerError(Exception):
    """Base of every error whose message is meant for the user."""


class ModelError(PhotoTaggerError):
    """A model is missing, incomplete, corrupted or cannot be installed."""


class ConfigError(PhotoTaggerError):
    """A settings or labels file cannot be read."""
