"""The Qt-free domain core. Nothing under this package may import PySide6 or gte_notes.gui."""
