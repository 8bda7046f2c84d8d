"""The application layer: what a user runs (a scan, the demo, a dry run) composed from the
pipeline's parts, with the terminal UI around it. `cli.py` parses flags and calls these; nothing
below this layer imports it.
"""
