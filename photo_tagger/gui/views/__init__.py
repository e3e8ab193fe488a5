"""Views and delegates that draw the item models."""
