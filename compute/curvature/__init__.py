"""Curvature tools: Hessian / GGN operators, Lanczos, power iteration, SLQ, Hutch++, dense.

Operators (``operators``, ``problems``) are kept apart from the algorithms that take them
(``lanczos``, ``power``, ``trace``, ``density``, ``dense``), as in pytorch-hessian-eigenthings;
``spectrum`` is the one entry point for the CLI and the Spectrum panel, ``curvature_map`` the
λ_min / λ_max overlay of a slice, ``sopsp`` seed 001's ε-SOPSP test.
"""

from compute.curvature.curvature_map import (
    CurvatureCells,
    CurvatureMap,
    Extremes,
    batched_extremes,
    curvature_map,
)
from compute.curvature.dense import (
    DenseProgress,
    DenseSpectrum,
    dense_histogram,
    dense_matrix,
    dense_spectrum,
    exact_trace,
)
from compute.curvature.density import DensityProgress, SpectralDensity, slq_density
from compute.curvature.lanczos import EigenResult, RitzProgress, eigsh, lanczos
from compute.curvature.operators import (
    CurvatureOperator,
    ProductCounter,
    block_indices,
    ggn_operator,
    hessian_operator,
    matrix_operator,
    restrict,
    shifted,
)
from compute.curvature.power import power_iteration
from compute.curvature.problems import MATRICES, loss_curvature, network_curvature
from compute.curvature.sopsp import (
    SopspProgress,
    SopspReport,
    default_blocks,
    estimate_mu2,
    sopsp,
)
from compute.curvature.spectrum import METHODS, SpectrumProgress, SpectrumReport, spectrum
from compute.curvature.trace import TraceProgress, TraceResult, hutchinson, hutchpp

__all__ = [
    "MATRICES",
    "METHODS",
    "CurvatureCells",
    "CurvatureMap",
    "CurvatureOperator",
    "DenseProgress",
    "DenseSpectrum",
    "DensityProgress",
    "EigenResult",
    "Extremes",
    "ProductCounter",
    "RitzProgress",
    "SopspProgress",
    "SopspReport",
    "SpectralDensity",
    "SpectrumProgress",
    "SpectrumReport",
    "TraceProgress",
    "TraceResult",
    "batched_extremes",
    "block_indices",
    "curvature_map",
    "default_blocks",
    "dense_histogram",
    "dense_matrix",
    "dense_spectrum",
    "eigsh",
    "estimate_mu2",
    "exact_trace",
    "ggn_operator",
    "hessian_operator",
    "hutchinson",
    "hutchpp",
    "lanczos",
    "loss_curvature",
    "matrix_operator",
    "network_curvature",
    "power_iteration",
    "restrict",
    "shifted",
    "slq_density",
    "sopsp",
    "spectrum",
]
