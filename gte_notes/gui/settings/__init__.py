"""Changing what the app runs on: the settings dialog, the model dialogs and facts, the config flow."""
