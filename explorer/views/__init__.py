"""pyqtgraph views: the landscape map (or curve), training curves."""
