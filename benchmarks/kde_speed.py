"""Speed of Saxe et al.'s KDE bound on the layers of the Saxe chapters (``python benchmarks/kde_speed.py``).

Per layer and logged epoch, the KDE upper bound of I(X;T) and I(T;Y)
(:func:`ipcore.estimators.kde_information_batch`, ``lower=False`` as the chapters record it):

1. MNIST: 10 000 test-image representations of width 1024 (the 784-1024-20-20-20-10
   network's first hidden layer), σ² = 0.1; target under 10 s.
2. SZT: 10 networks × 4096 inputs of width 5, σ² = 1e-3, one batched call.

Each is timed against a baseline run side by side on the same input: torch.cdist for the
squared distances and torch.logsumexp over them (the textbook implementation), and the
two results are compared. The MNIST layer is also timed without the kernel's float32 screen
of wide mixtures (``ipcore.estimators.kernel.SCREEN_MIN_DIM`` raised above its width), the
float64 product alone. Best of 3; nothing here is a pass/fail test.
"""

from __future__ import annotations

import math
import platform
import time

import numpy as np
import torch

from ipcore.estimators import kde_information_batch, kernel
from ipcore.estimators.quadrature import gaussian_entropy


def timed(fn, repeat: int = 3):
    best, out = math.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return out, best


def textbook_upper(t: torch.Tensor, labels: np.ndarray, variance: float) -> tuple[np.ndarray, np.ndarray]:
    """The same bounds, written plainly: cdist, then logsumexp over the whole pair matrix."""
    def entropy(x: torch.Tensor) -> torch.Tensor:  # (N, m, d) → (N,)
        d = x.shape[-1]
        log_kernel = torch.logsumexp(-torch.cdist(x, x) ** 2 / (2 * variance), dim=-1) - math.log(x.shape[1])
        return d / 2 - (log_kernel.mean(-1) - 0.5 * d * math.log(2 * math.pi * variance))

    lab = torch.as_tensor(labels)
    whole = entropy(t)
    conditional = sum((lab == c).double().mean() * entropy(t[:, lab == c]) for c in torch.unique(lab))
    return (whole - gaussian_entropy(t.shape[-1], math.sqrt(variance))).numpy(), (whole - conditional).numpy()


def case(name: str, t: torch.Tensor, labels: np.ndarray, variance: float) -> None:
    ours, seconds = timed(lambda: kde_information_batch(t, labels, beta=math.sqrt(variance), lower=False))
    if t.shape[-1] >= kernel.SCREEN_MIN_DIM:
        screen, kernel.SCREEN_MIN_DIM = kernel.SCREEN_MIN_DIM, t.shape[-1] + 1
        try:
            plain, unscreened = timed(lambda: kde_information_batch(t, labels, beta=math.sqrt(variance), lower=False))
        finally:
            kernel.SCREEN_MIN_DIM = screen
        apart = max(np.abs(ours[k] - plain[k]).max() for k in ours)
        print(f"{name}: without the float32 screen {unscreened:.2f} s, with it {seconds:.2f} s "
              f"({unscreened / seconds:.1f}×), apart by {apart:.1e} nats")
    (mi_x, mi_y), baseline = timed(lambda: textbook_upper(t, labels, variance))
    error = max(np.abs(ours["mi_x_upper"] - mi_x).max(), np.abs(ours["mi_y_upper"] - mi_y).max())
    print(f"{name}: ipcore {seconds:.2f} s, textbook cdist + logsumexp {baseline:.2f} s, ratio {baseline / seconds:.1f}×, "
          f"largest difference {error:.1e} nats; I(X;T) ≤ {ours['mi_x_upper'].mean():.3f}, "
          f"I(T;Y) ≤ {ours['mi_y_upper'].mean():.3f} nats")


def main() -> None:
    print(f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} torch threads, torch {torch.__version__}")
    g = torch.Generator().manual_seed(0)
    labels = np.arange(10000) % 10
    centers = torch.randn(10, 1024, generator=g, dtype=torch.float64)
    mnist = torch.tanh(0.4 * (centers[labels] + 1.5 * torch.randn(10000, 1024, generator=g, dtype=torch.float64)))
    case("MNIST layer 1 (1 × 10 000 × 1024, σ² = 0.1)", mnist[None], labels, 0.1)
    szt_labels = np.arange(4096) % 2
    szt = torch.tanh(3 * torch.randn(10, 4096, 5, generator=g, dtype=torch.float64))
    case("SZT layer (10 networks × 4096 × 5, σ² = 1e-3)", szt, szt_labels, 1e-3)


if __name__ == "__main__":
    main()
