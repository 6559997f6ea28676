"""What reading one index costs to learn and stays true until it changes: one object per open index.

Keyword document frequencies and the passage count, the spelling vocabulary, the boilerplate lines,
the model's cosine scale and the notes' aliases. Whoever keeps an index open owns one (the engine for
the app and `watch`, a CLI run, the evaluation harness) and hands it to every Searcher and Related it
makes, on any thread; each part has its own lock and follows the store's generation. Nothing is kept
per process, so two folders open in one process never see each other's counts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from gte_notes.core.index.boilerplate import BoilerplateCounts
from gte_notes.core.model.calibration import DenseScale, ScaleCache
from gte_notes.core.search.aliases import Aliases
from gte_notes.core.search.keyword import DocFreqs
from gte_notes.core.search.spelling import VocabularyCache


@dataclass
class IndexCaches:
    doc_freqs: DocFreqs = field(default_factory=DocFreqs)
    vocabulary: VocabularyCache = field(default_factory=VocabularyCache)
    boilerplate: BoilerplateCounts = field(default_factory=BoilerplateCounts)
    scales: ScaleCache = field(default_factory=ScaleCache)
    aliases: Aliases = field(default_factory=Aliases)

    def dense_scale(self, model_id: str, encode_query: Callable[[str], np.ndarray]) -> DenseScale:
        return self.scales.get(model_id, encode_query)
