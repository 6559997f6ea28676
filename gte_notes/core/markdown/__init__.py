"""Markdown: what a note's text means, as pure functions of the text.

Classified lines and where code is (blocks), frontmatter, title, tags and links (markdown_meta) by the one
wikilink rule (wikilinks), heading-aware passages for the model (chunking, sized on token offsets by
token_spans), resolving a link to a note (links), how a note's title and passages read to a person
(note_display, used by the GUI and the CLI) and a note as the preview renders it (preview_text); the
terms the keyword index stores (text_terms, with porter_fts5, stopwords and the language guess in
language). May import gte_notes.core.files and gte_notes.core.errors; it is independent of
gte_notes.core.model (neither imports the other).
"""
