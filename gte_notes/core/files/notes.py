"""Reading the notes folder safely. Nothing here ever writes to it.

Every file problem (too large, binary, a FIFO, no permission, deleted mid-read) becomes a `FileRead`
with a status and a human reason instead of an exception, because one bad file must never stop
indexing the rest; only a problem with the folder itself raises (`FolderError`).
"""

from __future__ import annotations

import codecs
import errno
import hashlib
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from gte_notes.core.errors import FolderError
from gte_notes.core.files.ignore import is_ignored_dir, is_ignored_name, is_ignored_relpath
from gte_notes.core.files.note_filter import DEFAULT_EXTENSIONS, NoteFilter

__all__ = [
    "DEFAULT_EXTENSIONS",
    "DEFAULT_MAX_BYTES",
    "FileRead",
    "NoteFilter",
    "check_folder",
    "is_ignored_name",
    "os_error_reason",
    "read_note",
    "scan_folder",
]

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
_SNIFF_BYTES = 8192
# Text has almost no C0 controls besides tab/newline/CR/FF/VT and ESC (coloured logs); binary formats
# that happen to lack NULs near the start still have roughly one byte in ten in that range.
_CONTROL_RATIO = 0.10
_TEXT_CONTROLS = frozenset(b"\t\n\r\f\v\x1b")
_O_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)  # a FIFO swapped in after lstat must not block open()
    | getattr(os, "O_NOFOLLOW", 0)  # nor may a symlink swapped in lead out of the folder
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)
_BOMS = (  # UTF-32 first: its LE BOM starts with the UTF-16 LE BOM.
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


@dataclass(frozen=True)
class FileRead:
    """What reading one note produced.

    `text` is exactly the decoded file minus a byte-order mark: newlines are NOT normalised, so a char
    offset into `text` (chunk start/end, a search hit) points at the same place the user's editor shows.
    """

    status: str  # "ok" | "empty" | "too_large" | "binary" | "not_regular" | "unreadable" | "vanished"
    reason: str  # human reason, e.g. "binary content", "permission denied"; "" when ok
    text: str | None  # decoded text when ok; "" when empty; None otherwise
    warning: str  # e.g. "invalid UTF-8 replaced (3 places)"; "" otherwise
    size: int
    mtime_ns: int
    content_hash: str  # sha256 hex of the raw bytes; "" when not read

    @property
    def ok(self) -> bool:
        return self.status == "ok"


SYMLINK_REASON = "symbolic link, not followed"  # a link may lead out of the folder, or loop


def _skip(status: str, reason: str, st: os.stat_result | None = None) -> FileRead:
    size = st.st_size if st is not None else 0
    mtime = st.st_mtime_ns if st is not None else 0
    return FileRead(status, reason, None, "", size, mtime, "")


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISLNK(mode):
        return "symbolic link"
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISCHR(mode):
        return "character device"
    if stat.S_ISBLK(mode):
        return "block device"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "special file"


def _mb(n: int) -> str:
    mb = n / (1024 * 1024)
    return f"{mb:.0f} MB" if mb == int(mb) else f"{mb:.1f} MB"


def _too_large(size: int, max_bytes: int, st: os.stat_result) -> FileRead:
    return _skip("too_large", f"too large ({size / (1024 * 1024):.1f} MB > {_mb(max_bytes)} limit)", st)


def os_error_reason(err: OSError) -> str:
    if isinstance(err, PermissionError):
        return "permission denied"
    return err.strerror.lower() if err.strerror else str(err)


def _looks_binary(sample: bytes | str) -> bool:
    codes = sample if isinstance(sample, bytes) else [ord(c) for c in sample]
    if not codes:
        return False
    if 0 in codes:
        return True
    controls = sum(1 for b in codes if b < 0x20 and b not in _TEXT_CONTROLS)
    return controls / len(codes) > _CONTROL_RATIO


def _decode(raw: bytes) -> tuple[str | None, str]:
    """Return (text, warning); text None means the content is binary."""
    encoding = "utf-8"
    for bom, enc in _BOMS:
        if raw.startswith(bom):
            encoding, raw = enc, raw[len(bom) :]
            break
    warning = ""
    if encoding == "utf-8":
        # A crash after the size was written but before the data leaves the file's tail zero-filled;
        # the text before the padding is still the user's note, so it is kept rather than lost.
        unpadded = raw.rstrip(b"\x00")
        if unpadded and len(unpadded) < len(raw) and not _looks_binary(unpadded[:_SNIFF_BYTES]):
            warning = f"{len(raw) - len(unpadded)} trailing NUL bytes ignored"
            raw = unpadded
        # NULs mean binary in a byte-oriented file, but are just encoding in UTF-16/32, whose
        # decoded text is sniffed instead.
        elif _looks_binary(raw[:_SNIFF_BYTES]):
            return None, ""
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        text = raw.decode(encoding, errors="replace")
        # U+FFFD already in the file is the user's text, not a replacement we made.
        literal = raw.count("\ufffd".encode(encoding)) if encoding == "utf-8" else 0
        replaced = max(1, text.count("\ufffd") - literal)
        label = encoding.upper().removesuffix("-LE").removesuffix("-BE")
        replaced_warning = f"invalid {label} replaced ({replaced} place{'' if replaced == 1 else 's'})"
        warning = f"{replaced_warning}; {warning}" if warning else replaced_warning
    if encoding != "utf-8" and _looks_binary(text[:_SNIFF_BYTES]):
        return None, ""
    return text, warning


def read_note(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> FileRead:
    """Read and decode one note without ever raising for a problem with the file.

    Only regular files are opened: a FIFO, device, socket or symlink gets "not_regular" from lstat
    alone, so it can neither hang the indexer nor lead outside the folder. The size limit is checked
    before reading. `mtime_ns` comes from before the read, so a write that races the read leaves a
    newer mtime on disk and the next look reads the file again.
    """
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return _skip("vanished", "deleted while being read")
    except OSError as err:
        return _skip("unreadable", os_error_reason(err))
    if stat.S_ISLNK(st.st_mode):
        return _skip("not_regular", SYMLINK_REASON, st)
    if not stat.S_ISREG(st.st_mode):
        return _skip("not_regular", f"not a regular file ({_kind(st.st_mode)})", st)
    if st.st_size > max_bytes:
        return _too_large(st.st_size, max_bytes, st)
    try:
        fd = os.open(path, _O_FLAGS)
    except FileNotFoundError:
        return _skip("vanished", "deleted while being read", st)
    except OSError as err:
        if err.errno == errno.ELOOP:  # O_NOFOLLOW met a symlink renamed over the note after lstat
            return _skip("not_regular", SYMLINK_REASON, st)
        return _skip("unreadable", os_error_reason(err), st)
    try:
        # An atomic save may have replaced the file since lstat; what we opened is what is on disk now,
        # so trust the descriptor's stat, but only if it is still a regular file.
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return _skip("not_regular", f"not a regular file ({_kind(st.st_mode)})", st)
        if st.st_size > max_bytes:
            return _too_large(st.st_size, max_bytes, st)
        raw = _read_at_most(fd, max_bytes + 1)
    except FileNotFoundError:
        return _skip("vanished", "deleted while being read", st)
    except OSError as err:
        return _skip("unreadable", os_error_reason(err), st)
    finally:
        os.close(fd)
    if len(raw) > max_bytes:  # grew after fstat
        return _too_large(len(raw), max_bytes, st)
    digest = hashlib.sha256(raw).hexdigest()
    text, warning = _decode(raw)
    if text is None:
        return FileRead("binary", "binary content", None, "", st.st_size, st.st_mtime_ns, digest)
    if not text.strip():
        reason = "empty file" if not raw else "only whitespace"
        return FileRead("empty", reason, "", warning, st.st_size, st.st_mtime_ns, digest)
    return FileRead("ok", "", text, warning, st.st_size, st.st_mtime_ns, digest)


def _read_at_most(fd: int, limit: int) -> bytes:
    parts: list[bytes] = []
    got = 0
    while got < limit:
        block = os.read(fd, min(1 << 20, limit - got))
        if not block:
            break
        parts.append(block)
        got += len(block)
    return b"".join(parts)


def check_folder(root: Path) -> Path:
    """Return the notes folder resolved, or raise FolderError saying what is wrong with it."""
    root = Path(root).expanduser()
    try:
        resolved = root.resolve(strict=True)
    except FileNotFoundError:
        raise FolderError(f"The notes folder {root} does not exist. Choose another folder.") from None
    except OSError as err:
        raise FolderError(f"The notes folder {root} cannot be opened: {os_error_reason(err)}.") from None
    if not resolved.is_dir():
        raise FolderError(f"{root} is not a folder. Choose the folder that holds your notes.")
    try:
        with os.scandir(resolved) as it:
            next(it, None)
    except OSError as err:
        raise FolderError(
            f"The notes folder {root} cannot be read ({os_error_reason(err)}). Check its permissions."
        ) from None
    return resolved


def scan_folder(
    root: Path,
    flt: NoteFilter,
    errors: list[str] | None = None,
    links: list[tuple[str, os.stat_result]] | None = None,
    excluded: dict[str, str] | None = None,
) -> Iterator[tuple[str, os.stat_result]]:
    """Yield (POSIX relpath, lstat result) for every file whose name makes it a note candidate.

    Non-regular files named like notes (a FIFO called x.md) are yielded too, so they get a status.
    Symlinks, to files or folders, are never followed: a link out of the folder is not part of it,
    and a link loop cannot make the scan endless. Folders are also remembered by (device, inode) so a
    bind-mount loop ends the scan as well. A folder that vanishes or cannot be read mid-scan is
    skipped, never raised. When `errors` is given, the relpath of every folder (or entry) that could
    not be read is appended to it, and "" when the root itself could not be listed: an empty scan
    with "" in `errors` means "folder unreachable", not "all notes deleted". Names are kept exactly
    as the OS returns them (no Unicode normalisation), so the relpath always reopens the same file.
    When `links` is given, every symlink named like a note is appended to it (relpath, its own lstat),
    so it can be listed as skipped rather than silently missing.
    When `excluded` is given, every folder ("name/") and note file a rule left out is put in it with
    the rule that did (hidden and tool folders are not: they are never notes).
    """
    seen: set[tuple[int, int]] = set()
    stack: list[str] = [""]
    while stack:
        reldir = stack.pop()
        dirpath = os.path.join(root, reldir) if reldir else os.fspath(root)
        try:
            # The root may itself be a symlink the user chose; only links inside it are not followed.
            dst = os.lstat(dirpath) if reldir else os.stat(dirpath)
            if not stat.S_ISDIR(dst.st_mode) or (dst.st_dev, dst.st_ino) in seen:
                continue
            seen.add((dst.st_dev, dst.st_ino))
            with os.scandir(dirpath) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as err:
            # A subfolder deleted mid-scan is just gone; the root missing, or any folder unreadable,
            # must be reported, or the caller would take its notes for deleted (fault case 23).
            if errors is not None and (not reldir or not isinstance(err, FileNotFoundError)):
                errors.append(reldir)
            continue
        subdirs: list[str] = []
        for entry in entries:
            rel = f"{reldir}/{entry.name}" if reldir else entry.name
            try:
                if entry.is_symlink():
                    if links is not None and flt.matches(rel):
                        links.append((rel, entry.stat(follow_symlinks=False)))
                    continue
                if entry.is_dir(follow_symlinks=False):
                    if not flt.prunes_dir(rel):
                        subdirs.append(rel)
                    elif excluded is not None and not is_ignored_dir(entry.name):
                        excluded[rel + "/"] = flt.why_excluded(rel, is_dir=True)
                    continue
                if flt.matches(rel):
                    yield rel, entry.stat(follow_symlinks=False)
                elif excluded is not None and flt.has_note_extension(rel) and not is_ignored_relpath(rel):
                    excluded[rel] = flt.why_excluded(rel)
            except FileNotFoundError:
                continue  # deleted between listing and stat
            except OSError:
                if errors is not None:
                    errors.append(rel)
        # Reversed so the stack pops folders in name order and the whole scan is deterministic.
        stack.extend(reversed(subdirs))
