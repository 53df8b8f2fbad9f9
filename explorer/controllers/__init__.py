"""Controllers: they turn state changes into background work and its results into state."""
