"""The desktop face of gte-notes (PySide6). Only this package imports Qt; it talks to the core through
`engine.bridge.EngineBridge`, and the GUI thread never touches the index, the model or the disk."""
