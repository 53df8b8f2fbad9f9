"""Control panels: scenario parameters, modes, optimizer, run table, critical points."""
