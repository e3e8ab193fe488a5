"""The use cases, one module each, called by both the CLI and the window: no Qt and no argparse here."""
