"""The Qt-free domain core. Nothing under this package may import PySide6 or gte_notes.gui.

Layers, each importing only those below it: live > search > index > model | markdown > files, with
errors under all of them (ARCHITECTURE.md "How the code is laid out"; checked by `lint-imports`).
"""
