"""Function words, one list per language, in one place.

They serve three jobs, so the three always agree: guessing a note's language (language.py), leaving
function words out of a keyword query when other words remain (keyword.py), and not marking them in
a result's passage (gui/engine/snippet.py). Words are written as people write them and compared folded
(lower case, accents off: text_terms.fold), the way the keyword index stores words.

The lists are short on purpose: the most frequent words of each language. Frequent enough to tell
languages apart in a paragraph, and none a user would search for on its own in that language.
"""

from __future__ import annotations

from functools import lru_cache

from gte_notes.core.markdown.text_terms import fold

_WRITTEN = {
    # English: the union of the lists the keyword query and the snippet marks used before.
    "en": """a an and are as at be but by do does for from has have how i if in into is it its my no not of
        on or our so than that the their them then there these they this those to was we were what when
        where which who why will with you your""",
    "de": """der die das den dem des ein eine einen einem einer eines und oder aber nicht ist sind war waren
        wird werden hat haben hatte sich mit von zu zum zur auf für im bei aus nach wie noch nur auch als
        wenn dass weil über unter vom kein keine ich du er sie wir ihr es man dieser diese dieses ja""",
    "fr": """le la les l un une des du de et est sont ou mais que qui quoi dans pour par sur avec sans au aux
        ce cet cette ces il elle ils elles nous vous je tu on ne pas se sa son ses leur leurs plus été
        être avait comme tout très y à où""",
    "es": """el la los las lo un una unos unas y o pero que de del al en con por para sin sobre es son está
        están era fue ha han hay se su sus le les como más muy ya este esta estos estas también cuando
        porque yo tú él ella nosotros""",
    "it": """il lo la i gli le un una uno di del della dei delle e è che per non con su sono come ma anche
        al alla nel nella più questo questa quello ha hanno era io tu lui lei noi voi loro""",
    "pt": """o os a as um uma uns umas de do da dos das e em no na nos nas que para com não por mais como mas
        foi ao aos sua seu suas seus ele ela eles elas são está isso esta este muito também você""",
    "nl": """de het een en van in is dat op te zijn met voor niet aan er die ook als maar om bij of wordt
        door naar dan nog zo ik je we hij zij was werd""",
    "ru": """и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее мне
        было вот от меня еще нет о из ему когда даже ли если уже или ни быть был до вас там себя ей может
        они тут где есть для мы их чем была без кто этот того это этого эти при об""",
}

STOPWORDS: dict[str, frozenset[str]] = {
    lang: frozenset(fold(w) for w in words.split()) for lang, words in _WRITTEN.items()
}
LANGUAGES = tuple(STOPWORDS)


@lru_cache(maxsize=64)
def stopwords_of(languages: frozenset[str]) -> frozenset[str]:
    """The function words of any of these languages (English when none is named)."""
    out: frozenset[str] = frozenset()
    for lang in languages or {"en"}:
        out |= STOPWORDS.get(lang, frozenset())
    return out
