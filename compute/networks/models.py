"""Functional torch models of the network scenarios, split at their first (affine) layer.

Every model is ``head(p, features(p, x), x)`` where ``p`` holds the named parameter tensors of
shape ``(*lead, *shape)`` (a batch ``lead`` of parameter points, broadcast against the data)
and ``x`` is (N, d). ``features`` is *affine in θ*: on a plane θ = θ₀ + a·d₁ + b·d₂ it equals
``Z(θ₀) + a·(Z(d₁) − Z(0)) + b·(Z(d₂) − Z(0))``, which the slice evaluator precomputes once.
Weights are stored in the orientation of each seed's formula; ``ParamBlock.unit_axis`` says
where the units (filters) are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import torch

from compute.objectives.layout import ParamLayout, Params

Features = Callable[[Params, torch.Tensor], torch.Tensor]
Head = Callable[[Params, torch.Tensor, torch.Tensor], torch.Tensor]
SampleLoss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class Model:
    """A network as an affine first layer and the rest.

    Attributes
    ----------
    layout
        The blocks of θ.
    features
        ``features(p, x[N, d]) -> z[*lead, N, width]``, affine in θ.
    head
        ``head(p, z, x) -> out``: ``(*lead, N)`` scalar predictions, ``(*lead, N, k)`` vector
        predictions, or ``(*lead, C, N)`` logits (classes on the second-to-last axis, so that
        reductions over the classes run along contiguous rows of samples).
    sample_loss
        ``sample_loss(out, y) -> (*lead, N)``: the loss of each sample.
    width
        ``z``'s last dimension: activations per sample, used to size evaluation chunks.
    classes
        C for classifiers (``out`` are logits), 0 for regression.
    family, constants
        Which builder made the model and its structural constants (not weights), for fast
        paths that reimplement its forward pass (``compute.networks.slices``): e.g. ``residual_mlp``
        with ``{"alpha": α, "beta": β}``.
    """

    layout: ParamLayout
    features: Features
    head: Head
    sample_loss: SampleLoss
    width: int
    classes: int = 0
    family: str = ""
    constants: Mapping[str, float] = field(default_factory=dict)

    def forward(self, p: Params, x: torch.Tensor) -> torch.Tensor:
        return self.head(p, self.features(p, x), x)


def _t(w: torch.Tensor) -> torch.Tensor:
    return w.transpose(-1, -2)


def half_squared(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """ℓ(p, y) = ½ (p − y)² per sample: out, y (*lead, N).

    No cancellation beyond the prediction's own: p − y is exact when p ≈ y (Sterbenz), so
    near zero loss the relative error is that of p − y, set by the rounding of p itself.
    """
    return 0.5 * (out - y) ** 2


def squared_norm(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """ℓ(p, y) = ‖y − p‖² per sample: out (*lead, N, k), y (N, k). Stable as ``half_squared``."""
    return ((out - y) ** 2).sum(-1)


EXP_FLOOR = -87.0
"""Exponents are clamped here in ``cross_entropy_and_correct``: exp(−87) ≈ 1.6e-38 is the
smallest normal float32 power of e; below it exp returns denormals, which run about 5× slower
on this CPU (and slow every later operation on them). Each clamped term adds at most 1.6e-38
to a per-sample loss."""


def _class_index(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """y (N,) as a gather/scatter index (*lead, 1, N) into logits (*lead, C, N)."""
    return y.expand(*logits.shape[:-2], 1, y.shape[-1])


def cross_entropy(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """ℓ = log Σ_c exp(z_c) − z_y per sample: logits (*lead, C, N), y (N,) class indices.

    Computed from the margins d_c = z_c − z_y (c ≠ y) with M = max(0, max_c d_c) as
    ``ℓ = M + log1p(expm1(−M) + Σ_{c≠y} exp(d_c − M))``: the true class never enters the
    sum, so near zero loss (M = 0) ℓ = log1p(Σ exp(d_c)) keeps full relative precision,
    where ``logsumexp − z_y`` (and ``log_softmax``) round 1 + ℓ first; no exp overflows. The
    gradient −Σ_{c≠y} softmax_c at the true class is likewise a sum of small terms rather
    than ``softmax_y − 1``. M is a constant shift (the value does not depend on it), so it is
    detached. Differentiable twice (training, Hessian-vector products).
    """
    index = _class_index(logits, y)
    margins = (logits - logits.gather(-2, index)).scatter(-2, index, float("-inf"))
    shift = margins.detach().amax(dim=-2).clamp(min=0)
    rest = (margins - shift.unsqueeze(-2)).exp().sum(dim=-2)
    return torch.expm1(-shift).add(rest).log1p() + shift


def correct(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """1.0 where the true class is the unique largest logit, else 0.0: (*lead, N).

    ``z_y > max_{c≠y} z_c``: a tie for the top counts as wrong (a model whose logits are all
    equal, e.g. all zero, has accuracy 0, not 1). Computed as one copy with z_y masked to −∞
    and a max over classes, as fast as the plain max and about 15-30× faster than ``argmax``
    along a short axis of 10 classes (which would also count a tie won by index as correct).
    NaN logits count as wrong.
    """
    index = _class_index(logits, y)
    others = logits.scatter(-2, index, float("-inf")).amax(dim=-2)
    return (others < logits.gather(-2, index).squeeze(-2)).to(logits.dtype)


def cross_entropy_and_correct(
    logits: torch.Tensor, y: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Cross-entropy and correctness per sample in one pass, for inference only.

    Overwrites ``logits`` (*lead, C, N). The formula of ``cross_entropy``, with the shift
    folded into one subtraction: ``s = Σ_{c≠y} exp(z_c − z_y − M)``,
    ``ℓ = M + log1p(expm1(−M) + s)``; correct where max_{c≠y} z_c < z_y (a tie for the top
    counts as wrong, as in ``correct``). Exponents are clamped at ``EXP_FLOOR`` (no denormals).
    Returns (loss, correct), each (*lead, N).
    """
    index = _class_index(logits, y)
    picked = logits.gather(-2, index)  # (*lead, 1, N)
    logits.scatter_(-2, index, float("-inf"))
    shift = logits.amax(dim=-2).sub_(picked.squeeze(-2))  # max_{c≠y} z_c − z_y
    hit = (shift < 0).to(logits.dtype)
    shift.clamp_(min=0)
    rest = logits.sub_(picked.add_(shift.unsqueeze(-2))).clamp_(min=EXP_FLOOR).exp_().sum(-2)
    return torch.expm1(-shift).add_(rest).log1p_().add_(shift), hit


def li_yuan(dim: int) -> Model:
    """Li & Yuan (2017): ``f(x, W) = ‖ReLU((I + W)ᵀ x)‖₁`` with W (d, d); unit j is column j.

    ``z = (I + W)ᵀ x``, i.e. the rows ``x + x W`` (affine in W); ``f = Σ_j ReLU(z_j)``.
    """
    layout = ParamLayout.of([("W", (dim, dim), "weight", 1)])

    def features(p: Params, x: torch.Tensor) -> torch.Tensor:
        return x + x @ p["W"]

    def head(p: Params, z: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(z).sum(-1)

    return Model(layout, features, head, half_squared, dim)


def resnet_block(dim: int, hidden: int) -> Model:
    """One-block ResNet (seed 000): ``f(x) = ‖W₂ᵀ ReLU(W₁ᵀ x) + x‖₁``, W₁ (d, h), W₂ (h, d).

    Hidden unit j reads column j of W₁, output k column k of W₂ (so ``unit_axis = 1``).
    """
    layout = ParamLayout.of(
        [("W1", (dim, hidden), "weight", 1), ("W2", (hidden, dim), "weight", 1)]
    )

    def features(p: Params, x: torch.Tensor) -> torch.Tensor:
        return x @ p["W1"]

    def head(p: Params, z: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        out = torch.relu(z) @ p["W2"]
        return (out + x).abs().sum(-1)

    return Model(layout, features, head, half_squared, hidden)


def residual_predictor(dim: int, hidden: int, skip: bool) -> Model:
    """Shamir (2018): ``p(x) = wᵀ(x + V f_θ(x))`` with ``f_θ(x) = ReLU(U x + c)``.

    w (1, d) is the output layer, V (d, h), U (h, d), c (h,). With ``skip`` (Theorem 4's
    architecture, a skip connection to the output) the predictor is ``wᵀx + vᵀ f_θ(x)`` with
    v (1, h) in place of V. ``z = [U x + c, wᵀx]`` (affine in θ), width h + 1.
    """
    second = ("v", (1, hidden), "weight") if skip else ("V", (dim, hidden), "weight")
    layout = ParamLayout.of(
        [
            ("w", (1, dim), "weight"),
            second,
            ("U", (hidden, dim), "weight"),
            ("c", (hidden,), "bias"),
        ]
    )

    def features(p: Params, x: torch.Tensor) -> torch.Tensor:
        hidden_in = x @ _t(p["U"]) + p["c"].unsqueeze(-2)
        linear = x @ _t(p["w"])
        return torch.cat([hidden_in, linear], dim=-1)

    def head(p: Params, z: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        hid = torch.relu(z[..., :-1])
        out_weights = p["v"] if skip else p["w"] @ p["V"]  # (*lead, 1, h): wᵀV or vᵀ
        return z[..., -1] + (hid @ _t(out_weights)).squeeze(-1)

    return Model(layout, features, head, half_squared, hidden + 1)


def linear_residual(dim: int, depth: int) -> Model:
    """Hardt & Ma (2016): ``h(x) = (I + A_l)…(I + A_1) x``, each A_i (d, d); unit k is row k.

    ``z = (I + A_1) x`` (affine), then ``z ← z + A_i z`` for i = 2…l.
    """
    layout = ParamLayout.of([(f"A{i}", (dim, dim), "weight") for i in range(1, depth + 1)])

    def features(p: Params, x: torch.Tensor) -> torch.Tensor:
        return x + x @ _t(p["A1"])

    def head(p: Params, z: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        for i in range(2, depth + 1):
            z = z + z @ _t(p[f"A{i}"])
        return z

    return Model(layout, features, head, squared_norm, dim)


def residual_mlp(
    inputs: int, width: int, blocks: int, classes: int, alpha: float = 1.0, beta: float = 1.0
) -> Model:
    """A residual MLP without normalisation layers, weights (out, in) as in ``nn.Linear``.

    ``h₀ = ReLU(W_in x + b_in)``,
    ``h_k = α (h_{k−1} + β (W_k2 ReLU(W_k1 h_{k−1} + b_k1) + b_k2))``,
    logits ``W_out h_L + b_out``; cross-entropy loss. α and β are the α- and β-scalings of the
    initialization lab (constants of the architecture, 1 for a plain residual net). ``z =
    [W_in x + b_in, 1]`` (affine; the constant column lets every later bias ride inside its
    matrix product, see ``_augmented``). The head modifies ``z`` in place (it is always a
    fresh tensor).
    """
    entries: list[tuple[str, tuple[int, ...], str]] = [
        ("W_in", (width, inputs), "weight"),
        ("b_in", (width,), "bias"),
    ]
    for k in range(1, blocks + 1):
        entries += [
            (f"W{k}1", (width, width), "weight"),
            (f"b{k}1", (width,), "bias"),
            (f"W{k}2", (width, width), "weight"),
            (f"b{k}2", (width,), "bias"),
        ]
    entries += [("W_out", (classes, width), "weight"), ("b_out", (classes,), "bias")]
    layout = ParamLayout.of(entries)

    def features(p: Params, x: torch.Tensor) -> torch.Tensor:
        pre = x @ _t(p["W_in"]) + p["b_in"].unsqueeze(-2)
        return torch.cat([pre, pre.new_ones(*pre.shape[:-1], 1)], dim=-1)

    def head(p: Params, z: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        h = z.relu_()  # [h, 1]: the constant column carries the biases through the products
        for k in range(1, blocks + 1):
            u = (h @ _augmented(p[f"W{k}1"], p[f"b{k}1"], 1.0)).relu_()
            branch = u @ _augmented(p[f"W{k}2"], p[f"b{k}2"], 0.0)  # constant column 0
            h = (branch.mul_(beta) if beta != 1.0 else branch).add_(h)
            if alpha != 1.0:  # scale h, never the constant column that carries the biases
                h = torch.cat([h[..., :-1] * alpha, h[..., -1:]], dim=-1)
        w_out = torch.cat([p["W_out"], p["b_out"].unsqueeze(-1)], dim=-1)
        return w_out @ _t(h)

    constants = {"alpha": float(alpha), "beta": float(beta)}
    return Model(
        layout, features, head, cross_entropy, width + 1, classes, "residual_mlp", constants
    )


def _augmented(w: torch.Tensor, b: torch.Tensor, corner: float) -> torch.Tensor:
    """``[[Wᵀ, 0], [bᵀ, corner]]`` (*lead, in + 1, out + 1): ``[h, 1] @ it = [h Wᵀ + b, corner]``.

    Folding the bias into the product saves a pass over the activations per layer (they are
    memory-bound on the CPU); ``corner`` = 1 keeps the constant column (ReLU(1) = 1), 0 drops
    it from a residual branch so that ``h + branch`` keeps it at 1.
    """
    lead = w.shape[:-2]
    top = torch.cat([_t(w), w.new_zeros(*lead, w.shape[-1], 1)], dim=-1)
    bottom = torch.cat([b.unsqueeze(-2), w.new_full((*lead, 1, 1), corner)], dim=-1)
    return torch.cat([top, bottom], dim=-2)
