"""gte-notes: offline semantic search over a folder of notes."""

__version__ = "0.1.0"
