"""Search-quality evaluation on public benchmarks, through the app's real indexer and search.

Run it as `python -m gte_notes.eval scifact|links|stsb ...`; see `__main__.py`.
"""
