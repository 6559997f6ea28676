"""What the index is doing: the status bar, indexing progress, the index health list, notices."""
