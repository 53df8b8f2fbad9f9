"""Paths between two points of a landscape: the straight line, the line after aligning the
far end by the network's symmetries, a nudged elastic band with climbing image, a trained
quadratic Bezier curve; the loss profile along each, barrier heights and the highest point
with its Hessian index."""
