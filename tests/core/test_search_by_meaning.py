"""Search by meaning with the real (stand-in) model: the fusion's rules as a user meets them.

A strong meaning match beats a note that shares one common word with the query; an exact title and a
quoted phrase still win; a query nothing answers reads as no close match; a misspelled word is
corrected from the notes' own words. Then the meaning evaluation on a sample of dendron-site, through
the real indexer, asserting the hybrid never falls below its own dense side.
"""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest

from gte_notes.core.search.fusion import close_match_score
from gte_notes.eval.harness import index_folder
from gte_notes.eval.meaning import load_queries, run_queries, scores

pytestmark = pytest.mark.model

NOTES = {
    "biology.axolotl.md": "# Axolotl\n\nThe axolotl can regrow whole limbs, parts of its heart and even its "
    "spinal cord after injury.\n",
    "web.link-rot.md": "# The Internet is Rotting\n\nLost web pages: a study found that "
    "a quarter of the links "
    "in news articles now lead nowhere.\n",
    "tools.doctor.md": "# Doctor\n\nThe doctor command regenerates note ids and fixes broken "
    "frontmatter in a "
    "workspace.\n",
    "kitchen.bread.md": "# Sourdough\n\nFeed the starter the night before, then mix flour, "
    "water and salt and "
    "let the dough rise slowly.\n",
    "garden.tomatoes.md": "# Tomatoes\n\nTomatoes need full sun, deep watering and rich compost. Pinch out "
    "the side shoots.\n",
    "travel.packing.md": "# Packing list\n\nPassport, charger, a light rain jacket and comfortable walking "
    "shoes.\n",
    "notes.publishing.md": "# Publishing\n\nPublish the vault as a static website with one command; "
    "pages are "
    "rebuilt when notes change.\n",
    "notes.templates.md": "# Templates\n\nTemplates fill a new page with a ready-made layout, "
    "such as a daily "
    "journal or a meeting agenda.\n",
}


@pytest.fixture(scope="module")
def vault(minilm_embedder, tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("meaning-notes")
    for rel, text in NOTES.items():
        (folder / rel).write_text(text, encoding="utf-8")
    ix = index_folder(folder, tmp_path_factory.mktemp("meaning-home"), minilm_embedder, quiet=True)
    yield ix
    ix.close()


def test_a_strong_meaning_match_beats_one_shared_common_word(vault) -> None:
    # "lost" is in the link-rot note and "regenerates" in the doctor note; neither means this.
    hits = vault.searcher().search("salamander that regenerates lost legs", 5)
    assert hits[0].path == "biology.axolotl.md"
    assert hits[0].score >= close_match_score()


def test_exact_title_and_quoted_phrase_still_win(vault) -> None:
    assert vault.searcher().search("The Internet is Rotting", 5)[0].path == "web.link-rot.md"
    hits = vault.searcher().search('"side shoots" plants growing', 5)
    assert [h.path for h in hits] == ["garden.tomatoes.md"]


def test_a_query_nothing_answers_reads_as_no_close_match(vault) -> None:
    hits = vault.searcher().search("torque specification for the lug nuts of a pickup truck", 5)
    assert hits and hits[0].score < close_match_score() and not hits.close
    assert hits.notices() == ["No close match — nearest notes:"]
    assert vault.searcher().search("an animal that grows back its legs", 5).close


def test_misspelled_words_are_corrected_from_the_notes(vault) -> None:
    s = vault.searcher()
    hits = s.search("pubish", 3)
    assert hits[0].path == "notes.publishing.md" and hits.corrected == "publish"
    assert hits.notices()[0] == "Showing results for “publish”"
    hits = s.search("temlates", 3)
    assert hits[0].path == "notes.templates.md" and hits.corrected == "templates"
    # A word the notes have is never "corrected", and neither is a word with no close neighbour.
    assert s.search("sourdough starter", 3).corrected is None
    assert s.search("salamander", 3).corrected is None


def test_hybrid_is_not_below_dense_on_a_sample_of_the_meaning_queries(
    minilm_embedder, shared_dir: Path, tmp_path: Path
) -> None:
    source = shared_dir / "vaults" / "dendron-site" / "notes"
    queries = load_queries(shared_dir / "eval" / "meaning" / "dendron-site.tsv")[:20]
    targets = {p for _, wanted in queries for p in wanted}
    others = sorted(p.name for p in source.glob("*.md") if p.name not in targets)
    sample = targets | set(random.Random(0).sample(others, 150))
    folder = tmp_path / "notes"
    folder.mkdir()
    for name in sample:
        shutil.copyfile(source / name, folder / name)
    ix = index_folder(folder, tmp_path / "home", minilm_embedder, quiet=True)
    try:
        ranks = run_queries(ix, queries, ("hybrid", "dense"))
    finally:
        ix.close()
    hybrid, dense = scores(ranks["hybrid"]), scores(ranks["dense"])
    assert hybrid["hit@10"] >= dense["hit@10"]
    assert hybrid["mrr@10"] >= dense["mrr@10"] - 1.0


def test_meaning_evaluation_command_prints_the_agreed_json(tmp_path: Path, capsys, monkeypatch) -> None:
    from gte_notes.eval.__main__ import main

    monkeypatch.setenv("GTE_NOTES_EVAL_CACHE", str(tmp_path / "cache"))
    folder = tmp_path / "notes"
    folder.mkdir()
    for rel, text in NOTES.items():
        (folder / rel).write_text(text, encoding="utf-8")
    queries = tmp_path / "q.tsv"
    queries.write_text(
        "salamander that regenerates lost legs\tbiology.axolotl.md\n"
        "what to pack for a trip\ttravel.packing.md|kitchen.bread.md\n",
        encoding="utf-8",
    )
    assert main(["--json", "meaning", "--vault", str(folder), "--queries", str(queries)]) == 0
    report = json.loads(capsys.readouterr().out)
    [one] = report["sets"]
    assert one["name"] == "q" and one["queries"] == 2
    rows = {r["system"]: r for r in one["rows"]}
    assert set(rows) == {"hybrid", "dense", "keyword"}
    assert set(rows["hybrid"]) == {"system", "hit@1", "hit@10", "mrr@10"}
    assert rows["hybrid"]["hit@1"] == 100.0  # both queries find their note first
