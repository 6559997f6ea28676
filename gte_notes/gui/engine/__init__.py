"""The bridge from the engine to Qt signals, and what its workers make of the engine's answers."""
