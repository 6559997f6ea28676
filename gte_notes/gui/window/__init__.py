"""The app and its main window: start-up, menus, signal wiring, saved layout, help, screenshots."""
