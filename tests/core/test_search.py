"""Hybrid search behaviour a user notices, with the fast fake embedder: ranking rules, query syntax,
hostile input, passages and highlights."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gte_notes.core.search.results import Hit
from gte_notes.core.search.search import Searcher
from gte_notes.eval.harness import Indexed, index_folder, write_notes
from tests.fakes import FakeEmbedder

NOTES = {
    "kitchen/sourdough.md": "---\ntags: [baking, food/bread]\n---\n# Sourdough\n\n"
    "A lively starter and a long "
    "cold proof. Bake it in a very hot oven with steam.\n",
    "kitchen/oven.md": "# Oven\n\nOur oven runs hot. Descale the steam tray every month.\n",
    "work/kubernetes.md": "# Kubernetes\n\nPods are scheduled onto nodes. The scheduler reads resource "
    "requests and affinity rules.\n",
    "work/release.md": "---\ntags: [project/alpha]\n---\n# Release plan\n\nThe release train leaves on "
    "Friday. Tests must pass in a hot CI oven first. Then we tag it.\n",
    "notes/ideas.md": "# Ideas\n\nOven hot, very hot oven, bake the oven. Oven oven oven.\n\n"
    "Also: proof of work.\n",
    "notes/meeting.md": "# Weekly meeting\n\n- decide on the release date\n- review open bugs\n- the "
    "cold proof idea from Anna\n",
}


@pytest.fixture
def indexed(tmp_path: Path) -> Indexed:
    folder = tmp_path / "notes"
    write_notes(folder, NOTES.items())
    ix = index_folder(folder, tmp_path / "data", FakeEmbedder(), quiet=True)
    yield ix
    ix.close()


def search(ix: Indexed, query: str, limit: int = 10, **kwargs: object) -> list[Hit]:
    return ix.searcher().search(query, limit, **kwargs)


def paths(hits: list[Hit]) -> list[str]:
    return [h.path for h in hits]


def test_exact_title_match_ranks_first(indexed: Indexed) -> None:
    # "oven" is all over notes/ideas.md, but the note titled "Oven" is the one the user means.
    assert search(indexed, "oven")[0].path == "kitchen/oven.md"
    assert search(indexed, "  OVEN ")[0].path == "kitchen/oven.md"
    # Title words in another order, or more words than the title, are not an exact title match.
    assert search(indexed, "weekly meeting")[0].path == "notes/meeting.md"
    assert search(indexed, "Release plan")[0].path == "work/release.md"


def test_quoted_phrase_must_occur_and_its_passage_is_shown(indexed: Indexed) -> None:
    hits = search(indexed, '"cold proof"')
    assert set(paths(hits)) == {"kitchen/sourdough.md", "notes/meeting.md"}
    for h in hits:
        assert "cold proof" in h.passage
        assert any(h.passage[a:b].lower() == "cold proof" for a, b in h.highlights)
    # Words of the phrase apart ("proof of work") do not count.
    assert "notes/ideas.md" not in paths(search(indexed, 'proof "cold proof"'))


def test_phrase_with_other_words_ranks_phrase_notes_only(indexed: Indexed) -> None:
    hits = search(indexed, 'bake "hot oven"')
    assert hits and all("hot oven" in h.passage.lower() for h in hits)


def test_tag_and_path_filters(indexed: Indexed) -> None:
    assert paths(search(indexed, "tag:baking")) == ["kitchen/sourdough.md"]
    assert paths(search(indexed, "tag:food")) == ["kitchen/sourdough.md"]  # sub-tag food/bread
    assert paths(search(indexed, "tag:#project oven")) == ["work/release.md"]
    assert set(paths(search(indexed, "path:kitchen oven"))) == {"kitchen/oven.md", "kitchen/sourdough.md"}
    assert set(paths(search(indexed, "path:KITCHEN"))) == {"kitchen/oven.md", "kitchen/sourdough.md"}
    assert search(indexed, "tag:nothing-has-this oven") == []
    assert paths(search(indexed, 'path:"work/" tag:project/alpha')) == ["work/release.md"]


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '""',
        '"unbalanced phrase',
        'a "b',
        "c++ (x",
        "(((",
        ")",
        "x-y: *z",
        "*",
        "**",
        "NEAR(a b)",
        "a OR",
        "AND",
        "NOT oven",
        "oven -steam",
        "tag:",
        "path:",
        'path:"',
        'tag:"x y',
        "title:oven",
        "^oven",
        "oven^",
        "{oven}",
        "col:oven",
        "'",
        "\\",
        "%",
        "_",
        "日本語のメモ",
        "émigré café",
        "\x00",
        "a" * 500,
        "🙂 oven",
        "oven*",
        "-",
        ":",
        "+",
        "tag:a:b",
        "path:..",
        "oven\nsteam",
    ],
)
def test_hostile_queries_never_raise(indexed: Indexed, query: str) -> None:
    for mode in ("hybrid", "keyword", "dense"):
        hits = search(indexed, query, mode=mode)
        assert isinstance(hits, list)


def test_empty_query_returns_nothing(indexed: Indexed) -> None:
    assert search(indexed, "") == [] and search(indexed, "   ") == []
    assert search(indexed, "oven", limit=0) == []


def test_word_being_typed_matches_as_prefix(indexed: Indexed) -> None:
    hits = search(indexed, "kubernetes sched", mode="keyword")
    assert hits[0].path == "work/kubernetes.md"
    assert search(indexed, "sched", mode="keyword")[0].path == "work/kubernetes.md"
    # Once the word is finished (a space follows), it is a whole word again.
    assert search(indexed, "sched ", mode="keyword") == []


def test_keyword_finds_exact_rare_words(indexed: Indexed) -> None:
    assert search(indexed, "descale", mode="keyword")[0].path == "kitchen/oven.md"
    assert search(indexed, "descale")[0].path == "kitchen/oven.md"


def test_one_row_per_note_and_scores_descend(indexed: Indexed) -> None:
    hits = search(indexed, "hot oven bake steam")
    assert len(set(paths(hits))) == len(hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_highlights_mark_query_words_and_best_sentence(indexed: Indexed) -> None:
    hit = next(h for h in search(indexed, "release Friday") if h.path == "work/release.md")
    marked = {hit.passage[a:b].lower() for a, b in hit.highlights}
    assert marked == {"release", "friday"}
    assert hit.sentence is not None
    assert hit.passage[slice(*hit.sentence)] == "The release train leaves on Friday."
    data = json.loads(json.dumps(hit.to_json()))
    assert data["sentence"] == list(hit.sentence)
    assert [tuple(s) for s in data["highlights"]] == hit.highlights


def test_a_last_word_that_is_already_a_word_of_the_notes_is_not_marked_as_a_prefix(indexed: Indexed) -> None:
    # While a last word is being typed, the words it starts are marked; once it is a word of the notes
    # itself, it marks that word only, not every longer word that starts with it.
    hit = next(h for h in search(indexed, "tests pas") if h.path == "work/release.md")
    assert {hit.passage[a:b] for a, b in hit.highlights} >= {"pass"}  # still typing: a prefix
    hit = next(h for h in search(indexed, "the release tra") if h.path == "work/release.md")
    assert "train" in {hit.passage[a:b] for a, b in hit.highlights}
    hit = next(h for h in search(indexed, "hot ov") if h.path == "notes/ideas.md")
    assert "Oven" in {hit.passage[a:b] for a, b in hit.highlights}
    hit = next(h for h in search(indexed, "schedule pods on") if h.path == "work/kubernetes.md")
    assert "onto" not in {hit.passage[a:b] for a, b in hit.highlights}  # "on" is a word of the notes


def test_passages_point_into_the_note(indexed: Indexed) -> None:
    for h in search(indexed, "scheduler affinity"):
        text = (indexed.ws.folder / h.path).read_text(encoding="utf-8")
        assert text[h.start : h.end] == h.passage


def test_deleted_chunks_lagging_in_the_ann_are_not_returned(indexed: Indexed) -> None:
    # The ANN may lag the database (it follows commits); chunks gone from SQLite must not show up.
    with indexed.store.transaction():
        indexed.store.delete_notes(["kitchen/oven.md"])
    assert "kitchen/oven.md" not in paths(search(indexed, "oven descale steam"))


def test_search_modes(indexed: Indexed) -> None:
    s: Searcher = indexed.searcher()
    assert s.search("kubernetes pods", 3, mode="dense")[0].path == "work/kubernetes.md"
    assert s.search("kubernetes pods", 3, mode="keyword")[0].path == "work/kubernetes.md"
    with pytest.raises(ValueError):
        s.search("x", 3, mode="nonsense")


def test_rows_carry_their_notes_tags_and_the_list_what_was_searched(indexed: Indexed) -> None:
    # The tag chips and the preview's marks come from here: no face reads a note or parses the query again.
    hits = indexed.searcher().search("sourdugh bake proof", 10, mode="keyword")
    by_path = {h.path: h for h in hits}
    assert by_path["kitchen/sourdough.md"].tags == ("baking", "food/bread")
    assert by_path["notes/meeting.md"].tags == ()
    assert json.loads(json.dumps(by_path["kitchen/sourdough.md"].to_json()))["tags"] == [
        "baking",
        "food/bread",
    ]
    # The words as searched: the misspelling's correction, not what was typed.
    assert hits.corrected == "sourdough bake proof"
    assert hits.words.terms == ("sourdough", "bake", "proof") and hits.words.typed_last == "proof"
    assert hits.mode == "keyword"
    phrase = indexed.searcher().search('"cold proof" tag:baking', 10)
    assert phrase.words.phrases == (("cold", "proof"),) and not phrase.words.open_end
    assert phrase.mode == "hybrid" and paths(phrase) == ["kitchen/sourdough.md"]
    assert indexed.searcher().search("tag:baking", 10).words.terms == ()


def test_related_notes_carry_their_tags(indexed: Indexed) -> None:
    related = indexed.related().related("notes/ideas.md", 10)
    assert {h.path: h.tags for h in related}["kitchen/sourdough.md"] == ("baking", "food/bread")
