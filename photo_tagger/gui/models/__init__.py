"""Item models for the views (grid, folders, tags)."""
