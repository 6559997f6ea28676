"""The selected note: its rendered preview with the passage marked, and the notes related to it."""
