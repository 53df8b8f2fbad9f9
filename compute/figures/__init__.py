"""Figures for papers: what the screen shows, several panels in one figure, regenerable from a
session file (style table, scenes, rendering, composition, animations, data, the gallery).

Import the modules themselves (``compute.figures.render`` ...): this package file imports
nothing, so the command line's parser stays free of matplotlib and torch.
"""
