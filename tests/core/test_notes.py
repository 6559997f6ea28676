"""Reading the notes folder: bad files get a status instead of an exception (fault cases 12-15, 25-34)."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from gte_notes.core.errors import FolderError, KnownError
from gte_notes.core.files.notes import DEFAULT_MAX_BYTES, NoteFilter, check_folder, read_note, scan_folder
from tests.core.other_user import NOBODY, as_nobody, cannot_run, shared_tmp_dir


def scan(root: Path, flt: NoteFilter | None = None, errors: list[str] | None = None) -> list[str]:
    return [rel for rel, _ in scan_folder(root, flt or NoteFilter(), errors)]


# ---- decoding and content ----------------------------------------------------------------------


def test_plain_note_is_read_exactly_with_hash_size_and_mtime(tmp_path: Path) -> None:
    raw = b"# Title\r\n\r\nWindows line endings stay as they are.\r\n"
    note = tmp_path / "note.md"
    note.write_bytes(raw)
    read = read_note(note)
    assert read.status == "ok" and read.reason == "" and read.warning == ""
    assert read.text == raw.decode()  # no newline normalisation: offsets map to the file
    assert read.content_hash == hashlib.sha256(raw).hexdigest()
    assert read.size == len(raw)
    assert read.mtime_ns == note.stat().st_mtime_ns


def test_200_mb_note_is_skipped_as_too_large_without_reading(tmp_path: Path) -> None:
    huge = tmp_path / "huge.md"
    with open(huge, "wb") as f:
        f.truncate(200 * 1024 * 1024)  # sparse: instant, no disk used
    read = read_note(huge)
    assert read.status == "too_large"
    assert read.reason == "too large (200.0 MB > 10 MB limit)"
    assert read.text is None and read.content_hash == ""
    assert read.size == 200 * 1024 * 1024


def test_size_limit_is_configurable(tmp_path: Path) -> None:
    note = tmp_path / "n.md"
    note.write_text("x" * 2000)
    assert read_note(note, max_bytes=1000).status == "too_large"
    assert read_note(note, max_bytes=2000).status == "ok"
    assert DEFAULT_MAX_BYTES == 10 * 1024 * 1024


def test_binary_content_with_md_name_is_skipped(tmp_path: Path) -> None:
    png = tmp_path / "image.md"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    read = read_note(png)
    assert (read.status, read.reason, read.text) == ("binary", "binary content", None)
    assert read.content_hash  # hashed, so an unchanged binary is not looked at again


def test_control_characters_without_nul_are_binary(tmp_path: Path) -> None:
    blob = tmp_path / "blob.md"
    blob.write_bytes(bytes(b % 31 + 1 for b in range(4000)))
    assert read_note(blob).status == "binary"


def test_invalid_utf8_is_replaced_with_a_warning_counting_places(tmp_path: Path) -> None:
    note = tmp_path / "latin1.md"
    note.write_bytes(
        "café, naïve, \ufffd literal\n".encode("latin-1", errors="replace").replace(b"?", "\ufffd".encode())
    )
    read = read_note(note)
    assert read.status == "ok"
    assert read.text == "caf\ufffd, na\ufffdve, \ufffd literal\n"
    # The U+FFFD that was already in the file is not counted as a replacement.
    assert read.warning == "invalid UTF-8 replaced (2 places)"


def test_utf8_bom_is_stripped(tmp_path: Path) -> None:
    note = tmp_path / "bom.md"
    note.write_bytes(b"\xef\xbb\xbf# Title\n")
    read = read_note(note)
    assert (read.status, read.text, read.warning) == ("ok", "# Title\n", "")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_bom_is_decoded(tmp_path: Path, encoding: str) -> None:
    text = "# Заметка\n\nNUL bytes here are just encoding. 🎉\n"
    bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}.get(encoding, b"")
    note = tmp_path / "u16.md"
    note.write_bytes(bom + text.encode(encoding))
    read = read_note(note)
    assert (read.status, read.text, read.warning) == ("ok", text, "")


def test_odd_length_utf16_is_decoded_with_a_warning(tmp_path: Path) -> None:
    note = tmp_path / "cut.md"
    note.write_bytes(b"\xff\xfe" + "hello".encode("utf-16-le") + b"x")
    read = read_note(note)
    assert read.status == "ok" and read.text is not None and read.text.startswith("hello")
    assert read.warning == "invalid UTF-16 replaced (1 place)"


def test_zero_padded_tail_after_a_crash_keeps_the_text(tmp_path: Path) -> None:
    # A real note in vaultofknowledge looks like this: text, then zeros to the end of the 4 KB block.
    note = tmp_path / "padded.md"
    note.write_bytes(b"Magic numbers.\n" + b"\x00" * 4081)
    read = read_note(note)
    assert (read.status, read.text) == ("ok", "Magic numbers.\n")
    assert read.warning == "4081 trailing NUL bytes ignored"


@pytest.mark.parametrize("content", [b"", b"   \n\t\r\n  ", b"\xef\xbb\xbf\n"])
def test_empty_and_whitespace_only_notes_are_empty(tmp_path: Path, content: bytes) -> None:
    note = tmp_path / "empty.md"
    note.write_bytes(content)
    read = read_note(note)
    assert (read.status, read.text) == ("empty", "")
    assert read.content_hash == hashlib.sha256(content).hexdigest()


# ---- special files, races, permissions ---------------------------------------------------------


@pytest.mark.timeout(10)
def test_fifo_named_md_is_not_regular_and_never_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    read = read_note(fifo)  # opening a FIFO for reading would block forever without a writer
    assert (read.status, read.reason) == ("not_regular", "not a regular file (FIFO)")
    found = dict(scan_folder(tmp_path, NoteFilter()))
    assert stat.S_ISFIFO(found["pipe.md"].st_mode)  # listed, so it gets a status


@pytest.mark.timeout(10)
def test_fifo_swapped_in_after_lstat_does_not_hang(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    regular = tmp_path / "regular.md"
    regular.write_text("text")
    real_lstat = os.lstat
    monkeypatch.setattr(os, "lstat", lambda p: real_lstat(regular) if Path(p) == fifo else real_lstat(p))
    read = read_note(fifo)
    assert (read.status, read.reason) == ("not_regular", "not a regular file (FIFO)")


def test_device_file_is_not_regular() -> None:
    read = read_note(Path("/dev/null"))
    assert (read.status, read.reason) == ("not_regular", "not a regular file (character device)")


def test_symlink_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.md"
    outside.write_text("secret")
    (tmp_path / "notes").mkdir()
    link = tmp_path / "notes" / "link.md"
    link.symlink_to(outside)
    read = read_note(link)
    assert (read.status, read.reason) == ("not_regular", "symbolic link, not followed")


def test_file_deleted_between_lstat_and_open_has_vanished(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    note = tmp_path / "going.md"
    note.write_text("soon gone")
    real_open = os.open

    def delete_then_open(path: str | os.PathLike[str], flags: int, *args: int) -> int:
        os.unlink(path)
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", delete_then_open)
    read = read_note(note)
    assert (read.status, read.reason, read.text) == ("vanished", "deleted while being read", None)


def test_file_gone_mid_read_has_vanished(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    note = tmp_path / "stale.md"
    note.write_text("on a network share that went away")

    def gone(fd: int, n: int) -> bytes:
        raise FileNotFoundError(2, "No such file or directory")

    monkeypatch.setattr(os, "read", gone)
    assert read_note(note).status == "vanished"


def test_missing_file_has_vanished(tmp_path: Path) -> None:
    assert read_note(tmp_path / "never.md").status == "vanished"


def test_io_error_mid_read_is_unreadable_with_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    note = tmp_path / "bad-sector.md"
    note.write_text("x")

    def eio(fd: int, n: int) -> bytes:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "read", eio)
    read = read_note(note)
    assert (read.status, read.reason) == ("unreadable", "input/output error")


shared_tmp = pytest.fixture(shared_tmp_dir)


def _permission_probe(root: Path) -> dict[str, Any]:
    errors: list[str] = []
    found = [rel for rel, _ in scan_folder(root, NoteFilter(), errors)]
    try:
        check_folder(root / "locked")
        folder_error = ""
    except FolderError as err:
        folder_error = str(err)
    secret = read_note(root / "secret.md")
    return {
        "secret": [secret.status, secret.reason],
        "open": read_note(root / "open.md").status,
        "found": found,
        "errors": errors,
        "folder_error": folder_error,
    }


def test_permission_denied_is_a_status_with_the_reason(shared_tmp: Path) -> None:
    (shared_tmp / "open.md").write_text("anyone may read this")
    secret = shared_tmp / "secret.md"
    secret.write_text("private")
    secret.chmod(0o000)
    locked = shared_tmp / "locked"
    locked.mkdir()
    (locked / "inside.md").write_text("x")
    locked.chmod(0o000)
    # Root reads everything, so as root the check runs in a child that drops to `nobody`.
    result = (
        _permission_probe(shared_tmp)
        if os.geteuid() != 0
        else as_nobody(lambda: _permission_probe(shared_tmp))
    )
    if "child_error" in result:
        cannot_run(f"cannot run as uid {NOBODY} to test permissions as non-root: {result['child_error']}")
    assert result["secret"] == ["unreadable", "permission denied"]
    assert result["open"] == "ok"
    assert sorted(result["found"]) == ["open.md", "secret.md"]  # listed, so it gets a status
    assert result["errors"] == ["locked"]
    assert "cannot be read (permission denied)" in result["folder_error"]


# ---- scanning ----------------------------------------------------------------------------------


def test_scan_yields_posix_relpaths_with_lstat_in_a_stable_order(tmp_path: Path) -> None:
    for rel in ["b.md", "a.txt", "sub/deep/c.markdown", "sub/d.md", "sub/image.png", "README.MD"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    found = dict(scan_folder(tmp_path, NoteFilter()))
    assert list(found) == ["README.MD", "a.txt", "b.md", "sub/d.md", "sub/deep/c.markdown"]
    assert found["b.md"].st_size == 1


@pytest.mark.timeout(20)
def test_symlink_loops_and_links_out_of_the_folder_are_not_followed(tmp_path: Path) -> None:
    root, outside = tmp_path / "notes", tmp_path / "elsewhere"
    (root / "a" / "b").mkdir(parents=True)
    outside.mkdir()
    (outside / "secret.md").write_text("not part of the notes")
    (root / "a" / "b" / "real.md").write_text("real")
    (root / "a" / "b" / "loop").symlink_to(root / "a")  # a loop back up the tree
    (root / "self").symlink_to(".")
    (root / "out").symlink_to(outside)  # a folder link out of the notes folder
    (root / "out.md").symlink_to(outside / "secret.md")  # a file link out of it
    (root / "dangling.md").symlink_to(root / "nothing-here.md")
    assert scan(root) == ["a/b/real.md"]


def test_symlinked_root_itself_is_scanned(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "n.md").write_text("x")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    assert scan(tmp_path / "link") == ["n.md"]


def test_folder_deleted_mid_scan_is_skipped(tmp_path: Path) -> None:
    for rel in ["a/1.md", "b/2.md", "b/c/3.md"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    found = []
    for rel, _ in scan_folder(tmp_path, NoteFilter()):
        found.append(rel)
        shutil.rmtree(tmp_path / "b", ignore_errors=True)
    assert found == ["a/1.md"]


def test_missing_root_yields_nothing_and_reports_it(tmp_path: Path) -> None:
    errors: list[str] = []
    assert scan(tmp_path / "gone", errors=errors) == []
    assert errors == [""]  # so a caller can tell "unreachable" from "every note deleted"


def test_awkward_file_names_are_scanned_and_readable(tmp_path: Path) -> None:
    nfc = unicodedata.normalize("NFC", "café.md")
    nfd = unicodedata.normalize("NFD", "café.md")
    names = [
        "with spaces in name.md",
        "emoji 📝 notes 🎉.md",
        nfc,
        nfd,  # a different file from the NFC one on Linux; both must be kept apart
        "line\nbreak.md",
        "a" * 252 + ".md",  # 255 bytes, the usual file-name limit
        "📝" * 63 + ".md",  # 255 bytes of 4-byte characters
        "sub folder ✓/nested note.md",
    ]
    for i, name in enumerate(names):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(f"note {i}")
    assert len(os.fsencode(names[5])) == 255 and len(os.fsencode(names[6])) == 255
    found = scan(tmp_path)
    assert sorted(found) == sorted(names)
    for i, name in enumerate(names):
        read = read_note(tmp_path / name)
        assert (read.status, read.text) == ("ok", f"note {i}")


def test_editor_and_sync_temporaries_are_never_notes(tmp_path: Path) -> None:
    (tmp_path / "note.md").write_text("the note")
    for name in [
        "4913",
        "note.md~",
        ".note.md.swp",
        ".note.md.swx",
        "note.md.swp",
        "#note.md#",
        "note.md___jb_tmp___",
        "note.md___jb_old___",
        "note.md.tmp",
        "~syncthing~note.md.tmp",
        ".~lock.note.md#",
        ".DS_Store",
        ".hidden.md",
    ]:
        (tmp_path / name).write_text("temp")
    (tmp_path / ".#note.md").symlink_to("user@host.12345:1700000000")  # emacs lock: dangling symlink
    for folder in [".git", ".obsidian", ".trash", ".stversions", "node_modules"]:
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "inside.md").write_text("not a note")
    assert scan(tmp_path) == ["note.md"]
    assert read_note(tmp_path / ".#note.md").status == "not_regular"  # no exception either


# ---- the folder itself -------------------------------------------------------------------------


def test_check_folder_returns_the_resolved_folder(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    assert check_folder(tmp_path / "link") == (tmp_path / "real").resolve()


def test_check_folder_explains_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(FolderError, match="does not exist"):
        check_folder(tmp_path / "nope")


def test_check_folder_explains_a_file_given_as_folder(tmp_path: Path) -> None:
    (tmp_path / "file.md").write_text("x")
    with pytest.raises(KnownError, match="is not a folder"):
        check_folder(tmp_path / "file.md")
