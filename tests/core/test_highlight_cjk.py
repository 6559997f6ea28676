"""Marking in scripts without spaces (issue 24): search finds notes by character pairs, but a mark says
"this word is here", so a query's run is marked only where the whole run stands, and in Japanese text
only where it begins a run of Han characters (京都 in 京都に or 京都市, never inside 東京都)."""

from __future__ import annotations

import pytest

from gte_notes.core.search.highlight import highlight


def marked(text: str, query: str, **kw) -> list[str]:
    return [text[a:b] for a, b in highlight(text, query.split(), **kw)[0]]


@pytest.mark.parametrize(
    ("text", "query", "expected"),
    [
        ("東京都に住んでいます。", "京都", []),  # Tokyo has no Kyoto in it
        ("京都に行きました。東京都から帰りました。", "京都", ["京都"]),
        ("京都市の寺を見ました。", "京都", ["京都"]),  # a compound that begins with it
        ("毎朝、東京駅の近くのパン屋で朝ごはんを買います。", "東京", ["東京"]),
        ("毎朝、東京駅の近くのパン屋で朝ごはんを買います。", "パン屋", ["パン屋"]),
        ("東京都庁に行く。京都もいい。", "東京都庁", ["東京都庁"]),  # not its pair 京都 on its own
        ("我们明天去京都旅行。", "京都", ["京都"]),  # Chinese: no kana, no boundaries to go by
        ("私の家には黒い猫が二匹います。", "猫", ["猫"]),  # one character marks where it stands
        ("明天可能会下雨，所以要带雨伞。", "雨", ["雨", "雨"]),
    ],
)
def test_runs_are_marked_where_the_whole_run_stands(text: str, query: str, expected: list[str]) -> None:
    assert marked(text, query) == expected


def test_a_heading_of_a_japanese_note_follows_the_note() -> None:
    # "東京都" alone has no kana; the preview says the note is Japanese.
    assert marked("東京都", "京都", japanese=True) == []
    assert marked("東京都", "京都") == ["京都"]  # read alone it could be Chinese


def test_a_run_still_being_typed_is_not_marked_as_a_prefix_inside_a_word() -> None:
    assert marked("東京都に住んでいます。", "京都", prefix="京都") == []
    assert marked("京都に住んでいます。", "京都", prefix="京都") == ["京都"]
