"""Curvature operators: Hessian-, GGN- and matrix-vector products behind one frozen interface.

Every product is reverse mode (``torch.func.vjp`` of ``torch.func.grad``, or vjps of vjps for
the GGN): torch's forward-mode AD keeps global dual levels and is not thread-safe here, and the
GUI runs several workers at once. Each constructor linearises once (one forward and backward
pass at θ, graph retained) and every later product is one more backward pass through it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch
from torch.func import grad, vjp, vmap

from compute.errors import LandscapeError
from compute.objectives.layout import ParamLayout

Vector = Callable[[torch.Tensor], torch.Tensor]


class ProductCounter:
    """A thread-safe count of operator products (one per column of a ``matmat``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count = 0

    def add(self, k: int = 1) -> None:
        with self._lock:
            self._count += k

    @property
    def count(self) -> int:
        with self._lock:
            return self._count


@dataclass(frozen=True, eq=False)
class CurvatureOperator:
    """A symmetric linear map A: ℝⁿ → ℝⁿ known only through its products.

    Attributes
    ----------
    size
        n.
    dtype, device
        Of the vectors it takes and returns.
    kind
        What A is, for display: ``"hessian"``, ``"ggn"``, ``"matrix"``, with ``"[block]"`` and
        ``" + λI"`` suffixes after ``restrict`` / ``shifted``.
    counter
        Counts products; shared with the operators derived from this one, so a restricted or
        shifted operator's products count on its parent too.
    """

    size: int
    dtype: torch.dtype
    device: torch.device
    kind: str
    _matvec: Vector = field(repr=False)
    _matmat: Vector | None = field(default=None, repr=False)
    counter: ProductCounter = field(default_factory=ProductCounter, repr=False)

    @property
    def hvp_count(self) -> int:
        """Products computed so far (through this operator or one derived from it)."""
        return self.counter.count

    def matvec(self, v: torch.Tensor) -> torch.Tensor:
        """A v: (n,) → (n,)."""
        self.counter.add(1)
        return self._matvec(v.to(self.device, self.dtype))

    def matmat(self, vs: torch.Tensor) -> torch.Tensor:
        """A V for V (n, k) → (n, k), batched (vmapped) where the operator allows it."""
        vs = vs.to(self.device, self.dtype)
        self.counter.add(vs.shape[1])
        if self._matmat is not None:
            return self._matmat(vs.T.contiguous()).T
        return torch.stack([self._matvec(v) for v in vs.T], dim=1)


def _batched(rows: Vector) -> Vector:
    """A product of one vector → the products of the rows of (k, n), by ``vmap``."""
    return vmap(rows)


def _first(fn: Callable[[torch.Tensor], tuple[torch.Tensor, ...]]) -> Vector:
    return lambda v: fn(v)[0]


def linearize(
    fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor
) -> tuple[torch.Tensor, Vector]:
    """(fn(x), u ↦ J_fn(x)ᵀ u) from ``torch.func.vjp`` (graph kept for repeated products)."""
    out = vjp(fn, x)
    value, pullback = out[0], out[1]
    return value, _first(pullback)


def _check_theta(theta: torch.Tensor) -> torch.Tensor:
    if theta.ndim != 1 or not theta.is_floating_point():
        raise LandscapeError(f"θ must be a flat float vector (n,), got {tuple(theta.shape)}")
    if not bool(torch.isfinite(theta).all()):
        raise LandscapeError("θ has non-finite entries: pick a finite point for the spectrum")
    return theta.detach()


def hessian_operator(
    loss: Callable[[torch.Tensor], torch.Tensor], theta: torch.Tensor
) -> CurvatureOperator:
    """H v = ∇²F(θ) v by reverse-over-reverse differentiation.

    Parameters
    ----------
    loss
        ``F(θ[n]) -> scalar`` written with torch operations.
    theta : (n,)
        The point; products have its dtype and device.

    Notes
    -----
    ``g, vjp_g = vjp(grad(F), θ)`` linearises ∇F at θ once; then ``H v = vjp_g(v)`` because
    H = Jac(∇F) is symmetric, so the vector-Jacobian product equals the Jacobian-vector one.
    """
    theta = _check_theta(theta)

    def scalar(t: torch.Tensor) -> torch.Tensor:
        value = loss(t)
        if value.ndim != 0:
            raise LandscapeError(f"the loss must return a scalar at one θ, got {value.shape}")
        return value

    _, hv = linearize(grad(scalar), theta)
    return CurvatureOperator(theta.numel(), theta.dtype, theta.device, "hessian", hv, _batched(hv))


def ggn_operator(
    outputs: Callable[[torch.Tensor], torch.Tensor],
    output_loss: Callable[[torch.Tensor], torch.Tensor],
    theta: torch.Tensor,
) -> CurvatureOperator:
    """G v = Jᵀ (∇²_z ℓ) J v, the generalised Gauss–Newton matrix of F(θ) = ℓ(z(θ)).

    Parameters
    ----------
    outputs
        ``z(θ[n]) -> z`` of any shape (logits, predictions).
    output_loss
        ``ℓ(z) -> scalar``, convex in z (mean cross-entropy, ½ mean squared error), so that
        G = Jᵀ ∇²ℓ J is positive semi-definite.
    theta : (n,)

    Notes
    -----
    Reverse mode only: ``u ↦ Jᵀu`` is the vjp of z at θ; it is linear in u, so its own vjp at
    any u (here 0) is ``v ↦ J v`` (the "double-vjp trick"). ∇²ℓ w is a reverse-over-reverse
    product at z. G equals the Hessian where z is linear in θ (the term Σ ∂ℓ/∂z_i ∇²z_i is 0).
    """
    theta = _check_theta(theta)
    z, jt = linearize(outputs, theta)
    z = z.detach()
    _, jv = linearize(jt, torch.zeros_like(z))
    _, hz = linearize(grad(output_loss), z)

    def gv(v: torch.Tensor) -> torch.Tensor:
        return jt(hz(jv(v)))

    return CurvatureOperator(theta.numel(), theta.dtype, theta.device, "ggn", gv, _batched(gv))


def matrix_operator(matrix: torch.Tensor) -> CurvatureOperator:
    """The operator of an explicit symmetric matrix (n, n): synthetic tests, small references."""
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise LandscapeError(f"need a square matrix, got shape {tuple(matrix.shape)}")
    a = matrix.detach()
    return CurvatureOperator(
        a.shape[0], a.dtype, a.device, "matrix", lambda v: a @ v, lambda vs: vs @ a.T
    )


def shifted(op: CurvatureOperator, shift: float) -> CurvatureOperator:
    """A + λI: the curvature of F + (λ/2)‖θ‖² (the explorer's L2 mode) when A is ∇²F."""
    if shift == 0.0:
        return op
    lam = float(shift)
    mm = op._matmat

    def mv(v: torch.Tensor) -> torch.Tensor:
        return op._matvec(v) + lam * v

    def rows(vs: torch.Tensor) -> torch.Tensor:
        return (mm(vs) if mm is not None else torch.stack([op._matvec(v) for v in vs])) + lam * vs

    kind = f"{op.kind} + {lam:g}I"
    return CurvatureOperator(op.size, op.dtype, op.device, kind, mv, rows, op.counter)


def restrict(
    op: CurvatureOperator, indices: torch.Tensor, label: str = "block"
) -> CurvatureOperator:
    """The principal submatrix A[S, S] for the coordinates S = ``indices`` (m,).

    For A = ∇²F this is the Hessian of θ_S ↦ F(θ with θ_S replaced), the partial Hessian of
    seed 001's Definition 1. Each product pads u (m,) with zeros to ℝⁿ and reads S back.
    """
    idx = torch.as_tensor(indices, dtype=torch.long, device=op.device)
    if idx.ndim != 1 or len(idx) == 0:
        raise LandscapeError("a parameter block must select at least one coordinate")
    if int(idx.min()) < 0 or int(idx.max()) >= op.size:
        raise LandscapeError(f"block indices must lie in [0, {op.size}), got {int(idx.max())}")
    n, mm = op.size, op._matmat

    def mv(u: torch.Tensor) -> torch.Tensor:
        full = u.new_zeros(n).index_put((idx,), u)
        return op._matvec(full)[idx]

    def rows(us: torch.Tensor) -> torch.Tensor:
        full = us.new_zeros(us.shape[0], n)
        full[:, idx] = us
        out = mm(full) if mm is not None else torch.stack([op._matvec(f) for f in full])
        return out[:, idx]

    kind = f"{op.kind}[{label}]"
    return CurvatureOperator(len(idx), op.dtype, op.device, kind, mv, rows, op.counter)


def block_indices(layout: ParamLayout, names: str | Sequence[str]) -> torch.Tensor:
    """The coordinates of θ held by the named blocks, in order: ``"w,V"`` or ``["w", "V"]``.

    Returns a LongTensor (m,) of ``arange(block.offset, block.stop)`` ranges concatenated;
    unknown names raise a LandscapeError listing the layout's blocks.
    """
    wanted = [s.strip() for s in names.split(",")] if isinstance(names, str) else list(names)
    wanted = [w for w in wanted if w]
    if not wanted:
        raise LandscapeError(f"name at least one parameter block ({', '.join(layout.names)})")
    if len(set(wanted)) != len(wanted):
        raise LandscapeError(f"parameter blocks named twice: {', '.join(wanted)}")
    blocks = sorted((layout.block(w) for w in wanted), key=lambda b: b.offset)
    return torch.cat([torch.arange(b.offset, b.stop) for b in blocks])
