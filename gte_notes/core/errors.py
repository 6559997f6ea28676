"""Errors split the way the user sees them.

A KnownError is the environment's fault (missing model, unreadable folder, full disk, second
instance): its message is shown as-is and tells the user what to do. Any other exception is a bug.
"""


class Cancelled(Exception):
    """Work stopped on request (a cancel callback said so); not an error, nothing to show."""


class QueryNeedsModel(Exception):
    """The query is longer than the saved encoder was checked for: only the full model may embed it."""


class KnownError(Exception):
    """A problem the user can act on; `str(err)` is the whole message."""

    exit_code = 1


class ModelMissingError(KnownError):
    exit_code = 2


class FolderError(KnownError):
    """The notes folder is missing, unreadable or not a folder."""


class AlreadyRunningError(KnownError):
    """Another gte-notes process is already indexing this folder."""


class StoreError(KnownError):
    """The index database cannot be opened or written (disk full, permissions)."""
