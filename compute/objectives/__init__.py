"""Scenario families: exact toy landscapes and (later) trained networks."""
