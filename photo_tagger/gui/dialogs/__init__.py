"""Dialogs of the main window (labels, settings)."""
