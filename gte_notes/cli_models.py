"""The CLI's model side: opening the chosen model (--model, --dims, --passage-tokens,
--trust-remote-code), `gte-notes model info [--json]` and `gte-notes model download [NAME]`."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from gte_notes.cli_output import say_loading
from gte_notes.core import (
    KNOWN_MODELS,
    KnownError,
    Settings,
    canonical_name,
    catalogue_json,
    data_home,
    known,
    model_display_name,
    needs_remote_code,
    quality_warning,
)

_HUB_NAME = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


def _note(text: str) -> None:
    print(f"gte-notes: {text}", file=sys.stderr)


def open_for_cli(
    args: argparse.Namespace,
    settings: Settings,
    index_model_id: str = "",
    *,
    queries_only: bool = False,
    save_encoder: bool = False,
) -> Any:
    """The model as --model/--dims/--passage-tokens/--trust-remote-code and the settings choose it.

    Without --dims or a dims setting, an index built with cut vectors of this same model is searched at
    its own size, so `search` after `index --dims 256` needs no repeating (--dims 0 asks for all).
    queries_only (`search`): the query encoder the app saves after a full load, when there is one
    (about a second, no torch); else the full model, whose encoder is then saved for the next search.
    save_encoder (`index`, `watch`): the full model's query encoder is saved too, for the searches after.
    """
    from gte_notes.core import check_passage_tokens, consent_of, open_chosen, remember_consent, with_dims

    name = canonical_name(settings.model_name(args.model))
    passage = args.passage_tokens if args.passage_tokens is not None else settings.passage_tokens
    dims = args.dims if args.dims is not None else settings.dims
    precision, home = args.precision or settings.precision, data_home(args.data_dir)
    consent = consent_of(settings, args.trust_remote_code)
    if queries_only:
        check_passage_tokens(passage)
        embedder = with_dims(_query_side(name, precision, home, consent), dims)
        embedder.passage_tokens = passage or None
    else:
        say_loading(f"Loading the model ({name})…")
        embedder = open_chosen(
            name,
            precision,
            home,
            dims=dims,
            passage_tokens=passage,
            consent=consent,
            quick=False,
            save_encoder=save_encoder,
        )
    base, _, cut = index_model_id.rpartition(":d")
    chosen = args.dims is not None or bool(settings.dims)  # --dims 0 is a choice too: all of them
    follows = same_model(base, embedder.model_id) if queries_only else base == embedder.model_id
    if not chosen and cut.isdigit() and follows:
        embedder = with_dims(embedder, int(cut))
        embedder.passage_tokens = passage or None
    agreed_now = args.trust_remote_code and needs_remote_code(embedder.path) and known(name) is None
    if agreed_now and remember_consent(settings, name, embedder.path):
        settings.save()
        _note(f"{name} runs its own code; your consent is remembered for it until that code changes.")
    warning = quality_warning(name, embedder.dim, getattr(embedder, "full_dim", embedder.dim))
    if warning:
        _note(warning)
    return embedder


def same_model(a: str, b: str) -> bool:
    """Two model ids ("name:fingerprint:precision:dim[:dN]") of the same model files and full size: their
    vectors differ only by the precision they were computed in (which the precision check keeps close)."""
    pa, pb = a.split(":"), b.split(":")
    return len(pa) >= 4 and len(pb) >= 4 and pa[:2] == pb[:2] and pa[3] == pb[3]


def _query_side(name: str, precision: str, home: Path, consent: Any) -> Any:
    from gte_notes.core import open_embedder

    if not _has_saved_encoder(name, precision, home):
        say_loading("Loading the model (first search after install, ~10 s)…")
    return open_embedder(name, precision, home, consent, notes_apart=False)


def _has_saved_encoder(name: str, precision: str, home: Path) -> bool:
    """Whether open_embedder will find a saved query encoder (only to say when it will not)."""
    from gte_notes.core import encoder_file, resolve_model_path

    try:
        stem = encoder_file(home, name, resolve_model_path(name), precision)
    except KnownError:
        return False  # the load says what is missing
    return stem.with_suffix(".json").is_file() or stem.is_file()


def _current(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    from gte_notes.core import resolve_model_path

    name = canonical_name(settings.model_name(args.model))
    path = resolve_model_path(name)
    embedder = open_for_cli(args, settings)
    facts = known(name)
    return {
        "model": name,
        "name": model_display_name(name),  # as the app names it everywhere (model_catalog)
        "path": str(path),
        "model_id": embedder.model_id,
        "dim": embedder.dim,
        "dims": embedder.dim,
        "full_dim": getattr(embedder, "full_dim", embedder.dim),
        "max_tokens": embedder.max_tokens,
        "precision": embedder.precision_note,
        "runs_own_code": needs_remote_code(path),
        "known": facts.key if facts else None,
    }


def model_info(args: argparse.Namespace, settings: Settings) -> int:
    if not args.json:
        print(json.dumps(_current(args, settings), indent=1))  # the model in use, as before
        return 0
    # --json: every known model with its facts, and the one in use (or why it cannot be loaded).
    code = 0
    try:
        current: dict[str, Any] = _current(args, settings)
    except KnownError as err:
        name = canonical_name(settings.model_name(args.model))
        current = {"model": name, "name": model_display_name(name), "error": str(err)}
        code = err.exit_code  # a script must not take a missing model for a working one
    print(json.dumps({"current": current, "known": catalogue_json()}, indent=1, ensure_ascii=False))
    return code


def model_download(args: argparse.Namespace, settings: Settings) -> int:
    from gte_notes.cli_output import ProgressBar
    from gte_notes.core import CODE_FILE_PATTERNS, download_model

    name = canonical_name(args.name or settings.model_name(args.model))
    if not _HUB_NAME.match(name) or Path(name).expanduser().is_dir():
        keys = ", ".join(f.key for f in KNOWN_MODELS)
        raise KnownError(
            f'"{name}" is not a model name on the hub (a folder needs no download). Known models: '
            f"{keys}; or any sentence-transformers model's hub name, such as thenlper/gte-small."
        )
    facts = known(name)
    if facts is not None:
        _note(f"{name}: approx. {facts.download_mb} MB, {facts.license} license.")
    bar = ProgressBar(sys.stderr, unit="MB")
    path = download_model(name, progress=bar.update_bytes)
    bar.close()
    for repo in facts.code_repos if facts else ():
        # Its code lives in another repository: fetched now, so it loads offline later.
        download_model(repo, patterns=CODE_FILE_PATTERNS)
    print(f"{name} is ready at {path}")
    if facts is None and needs_remote_code(path):
        _note(
            f"{name} ships its own Python code: it runs only after you agree (--trust-remote-code, or "
            "confirm in Settings). Remote code is code: read it first."
        )
    return 0
