"""Search: queries against the index, ranked notes out.

Parsing what the user typed (query), which chunks the filters allow (filters), keyword BM25 search
(keyword, with query words made into the index's terms by term_query), fusing the meaning and keyword
signals (fusion), spelling suggestions (spelling), marking the words that matched (highlight), the
ranked rows returned (results), the search itself (search), related notes (related) and what reading
one index teaches, kept while it is open (caches). Every database read goes through the Store by name.
May import gte_notes.core.index and every layer below it; never live.
"""
