"""The status bar's time left: measured from the pace after the first seconds, so a slow start (the
model's process loading, the first batches making their kernels) neither inflates it many times over
nor makes it jump up after a restart mid-index. A fake clock drives it: no timing is measured here."""

from __future__ import annotations

import itertools

from gte_notes.core.index.progress import Progress
from gte_notes.gui.health.index_progress import SessionProgress


def _run(
    batch_seconds: list[float],
    files_per_batch: int = 40,
    done_before: int = 0,
    batch_bytes: list[int] | None = None,
) -> list[tuple[float, float, float]]:
    """Index len(batch_seconds) batches the way the indexer reports them: each batch's files are looked
    at in a quick burst (the count goes up), then the batch is embedded (the count stands still for its
    seconds). `batch_bytes`: the size of each batch's files, reported as the indexer does (else none).
    Returns (time, ETA shown, true time left) at every report that shows an ETA."""
    now = [0.0]
    session = SessionProgress(clock=lambda: now[0])
    total = files_per_batch * len(batch_seconds)
    sizes = batch_bytes or [0] * len(batch_seconds)
    end = len(batch_seconds) * files_per_batch * 0.01 + sum(batch_seconds)
    shown: list[tuple[float, float, float]] = []
    done = done_bytes = 0
    session.update(Progress(done_before, done_before + total, "", None, 0, 0, 0, sum(sizes)))
    for seconds, size in zip(batch_seconds, sizes, strict=True):
        for _ in range(files_per_batch):
            now[0] += 0.01
            done += 1
            done_bytes += size // files_per_batch
            session.update(
                Progress(done_before + done, done_before + total, "n.md", None, 0, 0, done_bytes, sum(sizes))
            )
            if session.eta_s is not None:
                shown.append((now[0], session.eta_s, end - now[0]))
        now[0] += seconds
    return shown


def test_a_slow_first_batch_does_not_inflate_the_time_left() -> None:
    # A restart mid-index: the first batch waits 8 s for the model's process to load; then 2 s a batch.
    shown = _run([10.0] + [2.0] * 40, done_before=400)
    assert shown, "an ETA is shown once the pace is known"
    for t, eta, truth in shown:
        assert 0.75 * truth <= eta <= 1.25 * truth, (t, eta, truth)


def test_first_batches_that_make_their_kernels_do_not_inflate_the_time_left() -> None:
    # A first start: the first batch takes 8 s, the second 4 s, the rest 2 s each.
    shown = _run([8.0, 4.0] + [2.0] * 60)
    assert shown and shown[0][0] >= 10.0  # nothing during the warm-up
    for t, eta, truth in shown:
        assert 0.75 * truth <= eta <= 1.25 * truth, (t, eta, truth)


def test_the_time_left_never_jumps_up_at_a_steady_pace() -> None:
    shown = _run([2.0] * 50)
    etas = [eta for _t, eta, _truth in shown]
    assert etas and all(b <= a for a, b in itertools.pairwise(etas))
    assert all(abs(eta - truth) <= 0.1 * truth + 1 for _t, eta, truth in shown)


def test_long_notes_first_do_not_inflate_the_time_left() -> None:
    # A vault sorted by name whose first notes are three times as long as the rest (dendron-site's
    # first hundred average 5 KB, the others 1.8 KB): their batches take three times as long, since
    # the time a note takes follows its size. Measured in files the pace looks three times too slow.
    batch_bytes = [200_000] * 5 + [70_000] * 45
    shown = _run([6.0 * b / 200_000 for b in batch_bytes], batch_bytes=batch_bytes)
    assert any(t < 30 for t, _eta, _truth in shown), "an ETA is shown while the long notes are indexed"
    for t, eta, truth in shown:  # within a quarter, or the 18 s a shown estimate may drift before it moves
        assert abs(eta - truth) <= max(0.25 * truth, 18.0), (t, eta, truth)
