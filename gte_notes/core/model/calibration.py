"""A model's cosine scale: what "unrelated" and "says the same thing" measure for this model.

Raw cosine is the best absolute signal of a match we have (a real meaning match against the best
answer to a nonsense query: ROC AUC 0.93 on dendron-site with the stand-in model, where a z-score
against the vault gave 0.25, because an off-topic query's cosines are uniformly low and its best one
stands out). But each model has its own range: MiniLM puts unrelated sentences near 0.05 and
paraphrases near 0.75, gte-small crowds both into 0.7..0.95. So cosines are mapped onto the model's
own scale, measured once per model on fixed sentence pairs: 0 is the mean cosine of unrelated pairs,
1 that of paraphrases. The same fused score then means the same with either model.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gte_notes.core.files.json_file import read_json_object, write_json_atomic

SCALES_FILE = "query-scales.json"  # in the data dir: model id -> [unrelated, paraphrase]
_MAX_SCALES = 50

# Paraphrase pairs on everyday topics; crossing them (the first of one pair with the second of
# another) gives unrelated pairs.
PARAPHRASES = (
    ("How do I reset my password?", "I forgot my login and need to recover access to my account."),
    (
        "The train was delayed by an hour because of snow.",
        "Heavy snowfall held up the railway service for sixty minutes.",
    ),
    ("Add the onions and fry them until golden.", "Cook the chopped onion in the pan until it turns brown."),
    ("The meeting moved to Thursday afternoon.", "We rescheduled the call for Thursday after lunch."),
    ("Plants need sunlight to make their food.", "Photosynthesis lets green plants turn light into energy."),
    (
        "Back up your files before upgrading the system.",
        "Save a copy of your data before you install the update.",
    ),
    (
        "The invoice is due at the end of the month.",
        "Payment for the bill must be made by the month's last day.",
    ),
    ("She learned to play the violin as a child.", "As a young girl she took up the fiddle."),
    ("The medicine should be taken twice a day with food.", "Take the tablets two times daily during meals."),
    ("Our team won the final match by two goals.", "We beat the other side 2-0 in the championship game."),
    ("The museum is closed on Mondays.", "You cannot visit the gallery at the start of the week."),
    ("Regular exercise improves your mood.", "Working out often makes people feel happier."),
    (
        "The bridge was built in the nineteenth century.",
        "Construction of the crossing dates back to the 1800s.",
    ),
    ("Turn off the lights when you leave the room.", "Switch the lamps off on your way out."),
    (
        "The company's profits fell sharply last year.",
        "Last year the firm earned much less money than before.",
    ),
    (
        "Whales are mammals that breathe air.",
        "Although they live in the sea, whales need to surface to breathe.",
    ),
)


@dataclass(frozen=True)
class DenseScale:
    unrelated: float  # mean cosine of unrelated sentence pairs
    paraphrase: float  # mean cosine of paraphrase pairs

    def __call__(self, cosines: np.ndarray) -> np.ndarray:
        return (np.asarray(cosines, dtype=np.float64) - self.unrelated) / max(
            self.paraphrase - self.unrelated, 1e-3
        )


def measure(encode_query: Callable[[str], np.ndarray]) -> DenseScale:
    """The scale through the query path (queries are what the scale is applied to)."""
    firsts = np.stack([encode_query(a) for a, _ in PARAPHRASES])
    seconds = np.stack([encode_query(b) for _, b in PARAPHRASES])
    a = firsts / np.linalg.norm(firsts, axis=1, keepdims=True)
    b = seconds / np.linalg.norm(seconds, axis=1, keepdims=True)
    sims = a @ b.T
    off = ~np.eye(len(PARAPHRASES), dtype=bool)
    return DenseScale(unrelated=float(sims[off].mean()), paraphrase=float(np.diag(sims).mean()))


class ScaleCache:
    """Scales by model id, measured once each: a model gives the same scale every time. Owned by whoever
    keeps an index open (search/caches.py), so nothing is shared through the process."""

    def __init__(self) -> None:
        self._scales: dict[str, DenseScale] = {}
        self._lock = threading.Lock()

    def get(self, model_id: str, encode_query: Callable[[str], np.ndarray]) -> DenseScale:
        """The scale of the model `model_id`, measured with `encode_query` the first time."""
        with self._lock:
            found = self._scales.get(model_id)
        if found is None:
            found = measure(encode_query)
            with self._lock:
                found = self._scales.setdefault(model_id, found)
        return found


def saved_scale(home: Path, model_id: str, encode_query: Callable[[str], np.ndarray]) -> DenseScale:
    """The query model's cosine scale, measured once per model id and kept in the data dir `home`:
    measuring is 32 query encodings, most of a command-line search's time once the saved encoder is in
    use. A file that cannot be read or written only costs the measuring."""
    file = Path(home) / SCALES_FILE
    scales = read_json_object(file)
    found = scales.get(model_id)
    if isinstance(found, list) and len(found) == 2 and all(isinstance(x, float) for x in found):
        return DenseScale(*found)
    scale = measure(encode_query)
    scales.pop(model_id, None)
    scales[model_id] = [scale.unrelated, scale.paraphrase]
    write_json_atomic(file, dict(list(scales.items())[-_MAX_SCALES:]))
    return scale
