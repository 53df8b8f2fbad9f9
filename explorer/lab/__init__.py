"""The initialization and depth lab: forward norms of random residual stacks, near-identity
depth sweeps, and training with each initialization scheme (issue 9)."""
