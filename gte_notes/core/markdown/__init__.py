"""Markdown: what a note's text means, as pure functions of the text.

Classified lines (markdown_lines), frontmatter, title, tags and links (markdown_meta), heading-aware
passages for the model (chunking), resolving a link to a note (links), and how a note's title and
passages read to a person (note_display, used by the GUI and the CLI), and a note as the preview
renders it (preview_text). May import gte_notes.core.files
and gte_notes.core.errors; it is independent of gte_notes.core.model (neither imports the other).
"""
