"""Files the field already uses: the reference tool's HDF5 surfaces and direction files
(tomgoldstein/loss-landscape), VTK for ParaView, and the explorer's own read-only surface file.

``surface`` holds the in-memory ``Surface`` (a map's axes, fields and paths); ``reference`` and
``directions`` read and write the reference tool's ``.h5`` layouts through h5py; ``vtk`` writes
``.vts`` / ``.vtp`` through pyvista; ``imported`` keeps an imported surface as a strict JSON file
that ``render`` and the explorer show read-only.
"""
