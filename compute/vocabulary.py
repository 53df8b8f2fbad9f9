"""Names shared by the command line, the sessions and the window (torch-free: cheap to import)."""

OPTIMIZERS = ("gd", "momentum", "nesterov", "adam", "newton")
ALIASES = {"sgd": "gd"}
"""Accepted spellings: ``sgd`` is gradient descent on minibatches (``gd`` with a batch size)."""
STATUS_NAMES = ("running", "converged", "max_steps", "diverged")
"""What a run's generator reports (status codes index this tuple)."""
RUN_STATES = ("queued", *STATUS_NAMES, "cancelled", "error")
"""Every state a run can be in: not started yet, the generator's statuses, stopped by the user,
failed with an error."""
RECIPES = ("random", "teacher")
"""Planes rebuilt from the problem and a seed: filter-normalised random directions around θ₀
(Li et al. 2018), or towards the teacher plus a random direction of the same length."""
DERIVED = ("pca", "points", "hessian", "hessian-random", "directions")
"""Planes made from a run, a Hessian or a file (PCA of a trajectory; through θ₀, a run's end and
the teacher; the top two Hessian eigenvectors at a point; the top one and a random direction;
the reference tool's direction file); they are kept with their vectors, since what they came
from may be gone or differ after a change."""
PLANE_KINDS = RECIPES + DERIVED
INIT_SCHEMES = ("xavier", "scaled", "alpha", "beta", "fixup")
"""Initializations of residual stacks: Xavier N(0, 1/d), N(0, 1/(dL)), α- and β-scaling, Fixup
(``compute.networks.init_schemes``)."""
TRAJECTORY_MODES = ("none", "thin", "full")
THIN_POINTS = 1000
"""``--trajectory thin`` keeps at most this many points (first and last always)."""
DEFAULT_LR = {"gd": 0.1, "momentum": 0.05, "nesterov": 0.05, "adam": 0.05, "newton": 1.0}
"""Default step sizes of the exact toys (per optimizer)."""
NETWORK_LR = {"gd": 0.05, "momentum": 0.01, "nesterov": 0.01, "adam": 0.01, "newton": 1.0}
"""Default step sizes for training networks (per optimizer)."""
