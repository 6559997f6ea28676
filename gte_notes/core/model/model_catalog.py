"""The models gte-notes knows by name, their facts, and who may run a model's own Python code.

Any sentence-transformers folder or hub name works; the ones listed here are those whose facts the app
can show before anything is downloaded (Settings, `gte-notes model info --json`), and the only ones
allowed to run code from their repository without asking. The facts are copied from the model cards;
sizes are approximate, since the hub can change a repository after this was written.

Remote code: a model whose config.json has an `auto_map` ships Python that transformers imports and
runs with the user's permissions. Remote code is code, so it runs only for a model on the list below
(its authors and code are known) or after the user agreed for that model, and the agreement is bound
to the code's content: changed code asks again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from gte_notes.core.errors import ModelMissingError
from gte_notes.core.files.bundle import manifest_name


@dataclass(frozen=True)
class ModelFacts:
    key: str  # what a person types: "gte-small"
    repo_id: str
    pooling: str  # "mean" | "cls", as the model's own 1_Pooling/config.json says
    max_tokens: int
    dim: int
    min_dim: int  # the smallest vector size the model is trained to work at (dim when not elastic)
    elastic: bool  # trained for truncated vectors (Matryoshka); others lose quality when cut
    license: str
    download_mb: int  # approximate: the weights, config and tokenizer files that get fetched
    languages: str
    needs_remote_code: bool
    # Other repositories its code lives in: `auto_map` may point at "org/repo--module.Class".
    code_repos: tuple[str, ...] = ()
    notes: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["code_repos"] = list(self.code_repos)
        data["download_size"] = f"approx. {self.download_mb} MB"
        return data


KNOWN_MODELS: tuple[ModelFacts, ...] = (
    ModelFacts(
        key="gte-small",
        repo_id="thenlper/gte-small",
        pooling="mean",
        max_tokens=512,
        dim=384,
        min_dim=384,
        elastic=False,
        license="MIT",
        download_mb=67,
        languages="English",
        needs_remote_code=False,
        notes="The default: small and fast on a CPU.",
    ),
    ModelFacts(
        key="gte-multilingual-base",
        repo_id="Alibaba-NLP/gte-multilingual-base",
        pooling="cls",
        max_tokens=8192,
        dim=768,
        min_dim=128,
        elastic=True,
        license="Apache-2.0",
        download_mb=610,
        languages="70+ languages",
        needs_remote_code=True,
        code_repos=("Alibaba-NLP/new-impl",),
        notes="About 5x slower than gte-small per passage on a CPU; vectors may be cut to 128-768 "
        "dimensions (--dims) with little loss. Its sparse token weights are not used.",
    ),
)


def known(name: str) -> ModelFacts | None:
    """The facts of `name` (a short key or a hub id), or None for any other model."""
    for facts in KNOWN_MODELS:
        if name in (facts.key, facts.repo_id):
            return facts
    return None


def canonical_name(name: str) -> str:
    """`gte-multilingual-base` -> `Alibaba-NLP/gte-multilingual-base`; anything else unchanged."""
    facts = known(name)
    return facts.repo_id if facts else name


# ---- the name shown ---------------------------------------------------------------------------------

GENERIC_FOLDER_NAMES = {"model", "models", "snapshot", "snapshots", "main", "weights"}
_SNAPSHOT = re.compile(r"^models--(?P<org>[^/]+?)--(?P<name>[^/]+)$")  # the hub cache's folder names
_CARD_TITLE = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)


def is_folder_name(model: str) -> bool:
    """A model given as a folder (a path), not as a hub name ("owner/name") or a known key."""
    return model.startswith(("/", "~", ".")) or "\\" in model or model.count("/") > 1


def folder_label(model: str) -> str:
    """A model folder by its own name, or its parent's when the folder is called something generic
    ("…/all-MiniLM-L6-v2/model" -> "all-MiniLM-L6-v2"). Reads nothing: the GUI thread may call it."""
    folder = Path(model).expanduser()
    names = [p for p in (folder.name, folder.parent.name) if p and p.lower() not in GENERIC_FOLDER_NAMES]
    return names[0] if names else str(folder)


def model_display_name(model: str) -> str:
    """The one name every face shows for a model (settings, dialogs, status bar, About, `model info`).

    A hub name or known key: its hub id ("gte-small" -> "thenlper/gte-small"). A model folder: the id it
    records (a hub-cache snapshot's repository, a bundle's manifest), else its model card's title (the
    README's first heading), else the folder's name (folder_label). Never the index's internal id. Reads a
    few small files, so the GUI calls it on a worker."""
    if not is_folder_name(model):
        return canonical_name(model)
    folder = Path(model).expanduser()
    for part in (folder, *folder.parents):
        m = _SNAPSHOT.match(part.name)
        if m and part != folder:
            return f"{m['org']}/{m['name']}"
    recorded = manifest_name(folder)
    if recorded:
        return recorded
    try:
        with open(folder / "README.md", encoding="utf-8", errors="replace") as fh:
            head = fh.read(8192)
    except OSError:
        head = ""
    title = _CARD_TITLE.search(_without_frontmatter(head))
    return title.group(1) if title else folder_label(model)


def _without_frontmatter(text: str) -> str:
    # A YAML comment line ("# tags") in a card's front matter is not its title.
    if text.startswith("---"):
        end = text.find("\n---", 3)
        return text[end + 4 :] if end >= 0 else ""
    return text


def catalogue_json() -> list[dict[str, object]]:
    return [f.to_json() for f in KNOWN_MODELS]


# ---- remote code ------------------------------------------------------------------------------------

REFUSAL_MARK = "remote code is code"  # in every refusal; the app's model dialog recognises it by this


class RemoteCodeRefused(ModelMissingError):
    """The model would run its own Python code and nobody agreed to it: nothing was loaded."""


def needs_remote_code(path: Path) -> bool:
    """True when transformers would import Python from the model (config.json names an `auto_map`)."""
    try:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(config, dict) and bool(config.get("auto_map"))


def code_digest(path: Path) -> str:
    """What the user agreed to: the folder's Python files and its auto_map, by content. Code that an
    auto_map fetches from another repository is bound only by that reference (its name and revision as
    written), which is why the known models' own second repositories are named in the catalogue."""
    digest = hashlib.sha256()
    with contextlib.suppress(OSError, ValueError, AttributeError):
        digest.update(
            json.dumps(
                json.loads((path / "config.json").read_text(encoding="utf-8")).get("auto_map", {}),
                sort_keys=True,
            ).encode()
        )
    for file in sorted(path.glob("*.py")):
        digest.update(f"{file.name}\n".encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()[:24]


@dataclass(frozen=True)
class CodeConsent:
    """Who agreed to which model's code: remembered agreements (name -> code digest, from the settings)
    and, for this run only, --trust-remote-code."""

    granted: dict[str, str] = field(default_factory=dict)
    now: bool = False

    def allows(self, name: str, path: Path) -> bool:
        facts = known(name)
        if self.now or facts is not None and facts.needs_remote_code:
            return True
        return self.granted.get(name) == code_digest(path)


def check_remote_code(name: str, path: Path, consent: CodeConsent | None) -> bool:
    """True when the model at `path` will run its own code (allowed), False when it has none.

    Raises RemoteCodeRefused, before anything of the model is imported, when it has code and no
    agreement covers it.
    """
    if not needs_remote_code(path):
        return False
    if (consent or CodeConsent()).allows(name, path):
        return True
    files = ", ".join(p.name for p in sorted(path.glob("*.py"))) or "code from another repository"
    raise RemoteCodeRefused(
        f'The model "{name}" ships its own Python code ({files}), which would run on this computer with '
        f"your permissions: {REFUSAL_MARK}. gte-notes runs it only for the models it knows, or when "
        "you agree for this model: pass --trust-remote-code (remembered for this model until its code "
        "changes), or choose the model in Settings and confirm. Nothing of the model was loaded."
    )
