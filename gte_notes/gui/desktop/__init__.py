"""What the app needs from Qt and the desktop: worker tasks, palette, theme, display, editor, crashes."""
