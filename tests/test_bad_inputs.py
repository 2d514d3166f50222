"""Bad inputs to the whole public API, generated from the declared parameters.

Every public function and class of ``ipcore``, ``ipcore.estimators``, ``ipcore.nets``, ``ipcore.bottleneck`` and
``ipcore.data`` declares its parameters with :func:`ipcore.validation.validate_params`;
each declaration lists values it must reject. For each function, one good call (below)
runs, and then every declared parameter in turn gets every bad value of its declaration:
each must raise ``ValueError`` or ``TypeError`` whose message starts with the parameter's
name. A new public function without a declaration, or without a good call here, fails
``test_every_public_callable_is_declared``.
"""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest
import torch

import ipcore
import ipcore.bottleneck
import ipcore.data
import ipcore.estimators
import ipcore.nets
from ipcore.validation import BETA_MIN, declared_params

#: Public names that take no input to check: results, constants, exceptions.
NOT_CALLED_WITH_INPUT = {"SPEstimate", "SPLabelEstimate", "KDEInformation", "KNNEstimate", "MINEEstimate", "PCA", "Autoencoder", "NoisyLayers", "NoisyLayer", "MNIST", "MNISTNotFound", "IBCurve",
                         "IBConvergenceWarning", "EnsembleOutputs"}
#: Public callables that check their arguments themselves (with the reason).
SELF_CHECKED = {"resolve_device": "one argument, interpreted by torch.device and checked in the body (tests/test_estimators)"}

RNG = np.random.default_rng(0)
CENTERS = RNG.uniform(-1, 1, (16, 2))
LABELS = np.arange(16) % 2


def _tiny_mlp():
    return ipcore.nets.NoisyMLP((2, 3, 2), beta=0.1)


def _mse(model, x, y):
    return torch.nn.functional.cross_entropy(model(x), y)


def good_calls(tmp_folder):
    """name → (callable, keyword arguments of one good call)."""
    x = torch.tensor(CENTERS, dtype=torch.float32)
    y = torch.tensor(LABELS)
    model = _tiny_mlp()
    return {
        "seed_everything": dict(seed=0),
        "mixture_log_density": dict(points=CENTERS, centers=CENTERS, beta=0.1, weights=None, log_tolerance=40.0, rtol=0.0),
        "gaussian_mixture_entropy": dict(centers=CENTERS, beta=0.1, n_mc=2, weights=None, seed=0, return_std=False, rtol=0.0,
                                         control_variate=True),
        "sp_mutual_information": dict(centers=CENTERS, beta=0.1, conditional_centers=CENTERS[:, None, :].repeat(3, 1),
                                      n_mc=2, seed=0, rtol=0.0, control_variate=True),
        "sp_label_information": dict(centers=CENTERS, labels=LABELS, beta=0.1, n_mc=2, seed=0, rtol=0.0),
        "mixture_entropy_1d": dict(centers=CENTERS[:4, 0], beta=0.1, weights=None, return_error=False),
        "mixture_entropy_2d": dict(centers=CENTERS[:4], beta=0.3, weights=None, return_error=False),
        "channel_information": dict(centers=CENTERS[:4], beta=0.3),
        "noisy_layer": dict(dim=2, beta=0.1, n_inputs=4, block=2, seed=0),
        "gaussian_entropy": dict(dim=2, beta=0.1),
        "bin_codes": dict(t=CENTERS, width=0.5, bins=None, range=None, edges=None, outside="clip"),
        "binned_entropy": dict(t=CENTERS, width=0.5, bins=None, range=None, edges=None, outside="clip"),
        "binned_mutual_information": dict(t=CENTERS, labels=LABELS, width=0.5, bins=None, range=None, edges=None,
                                          outside="clip"),
        "binned_information_batch": dict(t=CENTERS[None], labels=LABELS, width=0.5, bins=None, range=None, edges=None,
                                         outside="clip"),
        "kde_entropy_bounds": dict(t=CENTERS, beta=0.1),
        "knn_entropy": dict(x=CENTERS, k=3, weighted=None),
        "knn_mutual_information": dict(x=CENTERS[:, :1], y=CENTERS[:, 1:], k=3, weighted=None),
        "knn_label_information": dict(x=CENTERS, labels=LABELS, k=3, weighted=None),
        "ksg_mutual_information": dict(x=CENTERS[:, :1], y=CENTERS[:, 1:], k=3),
        "bsy_weights": dict(d=6, k=5),
        "mine_mutual_information": dict(x=CENTERS[:, :1], y=CENTERS[:, 1:], hidden=4, steps=2, batch_size=4, lr=1e-3,
                                        ema=0.01, held_out=0.5, seed=0, progress=False),
        "mine_mutual_information_batch": dict(pairs=[(CENTERS[:, :1], CENTERS[:, 1:]), (CENTERS, CENTERS[:, :1])],
                                              seeds=[0, 1], hidden=4, steps=2, batch_size=4, lr=1e-3, ema=0.01,
                                              held_out=0.5, progress=False),
        "correlated_gaussians": dict(n=20, d_x=2, d_y=1, mi=0.5, seed=0),
        "gaussian_blobs": dict(latents=CENTERS, size=8),
        "rectangles": dict(latents=np.concatenate([CENTERS, CENTERS], axis=1), size=8, min_width=2.0),
        "pca_compression": dict(train=CENTERS, k=1),
        "autoencoder_compression": dict(train=CENTERS, k=1, epochs=1, batch_size=8, lr=1e-3, input_noise=0.1,
                                        code_noise=0.02, seed=0, progress=False),
        "kde_mutual_information": dict(t=CENTERS, labels=LABELS, beta=0.1),
        "kde_information_batch": dict(t=CENTERS[None].repeat(2, 0), labels=LABELS, beta=0.1, lower=True),
        "gaussian_channel_mutual_information": dict(cov_x=np.eye(2), A=np.ones((1, 2)), sigma=0.5),
        "jointly_gaussian_mutual_information": dict(cov=np.array([[1.0, 0.5], [0.5, 1.0]]), dim_x=1),
        "two_point_mutual_information": dict(distance=1.0, beta=0.5),
        "linear_layer_information": dict(weights=np.ones((2, 1, 2)), cov_x=np.eye(2), beta=0.7,
                                         teacher=np.ones((1, 2)), teacher_noise=0.1, subsets={"a": [0]}),
        "binned_neuron_information": dict(w=[0.5, 2.0], activation="tanh", edges=None, width=None, max_bins=1000,
                                          precision="float32"),
        "noisy_neuron_information": dict(w=1.0, activation="relu", sigma=0.5),
        "diameter_clusters": dict(points=CENTERS, diameters=[0.5, 1.0]),
        "cluster_entropy": dict(points=CENTERS, diameter=0.5),
        "labels_entropy": dict(labels=LABELS),
        "nearest_neighbour_distances": dict(points=CENTERS),
        "cosine_similarity_histograms": dict(points=CENTERS, labels=LABELS, bins=10),
        "szt": dict(threshold=7.6),
        "train_test_split": dict(n=10, test_fraction=0.2, seed=0),
        "szt_split": dict(split="random", seed=0),
        "read_idx": dict(path=tmp_folder / "t10k-labels-idx1-ubyte", md5=None),
        "load_mnist": dict(split="test", path=tmp_folder, download=False),
        "mnist_splits": dict(path=tmp_folder, val_fraction=0.5, seed=0, download=False),
        "NoisyMLP": dict(widths=(2, 3, 2), activation="tanh", beta=0.1, dtype=torch.float32, init="pytorch"),
        "DeepLinearNetwork": dict(widths=(3, 4, 1), init_std=0.1, beta=0.0, dtype=torch.float64),
        "SingleNeuron": dict(beta=0.1, w=0.5, b=0.0),
        "GaussianNoise": dict(beta=0.1),
        "add_noise": dict(model=_tiny_mlp(), layers=["hidden.0"], beta=0.1, seed=0),
        "InformationProbe": dict(model=_tiny_mlp(), inputs=x, labels=LABELS, layers=["hidden.0"], beta=0.1,
                                 estimator="sp", replicas=2, bin_width=None, kde_beta=None, n_mc=2, seed=0,
                                 train_noise=True),
        "RelativeGaussianNoise": dict(beta=0.1),
        "CompressionCNN": dict(sigma=1e-3, dropout=0.1),
        "NoisyCNN": dict(channels=(2, 2), hidden=4, activation="relu", beta=0.1, dropout=0.0),
        "EnsembleMLP": dict(networks=[_tiny_mlp(), _tiny_mlp()]),
        "ensemble_of_mlps": dict(seeds=[0, 1], widths=(2, 3, 2), activation="tanh", betas=0.1, dtype=torch.float32,
                                 init="pytorch"),
        "noise_layers": dict(model=model),
        "orthonormality_step_": dict(model=model, alpha=0.01),
        "Recorder": dict(model=model, inputs=x, schedule=[0, 1], replicas=0, record_parameters=False, reduce=None,
                         outputs=()),
        "train": dict(model=model, x=x, y=y, loss_fn=_mse, epochs=1, lr=0.01, batch_size=None, recorder=None, seed=0,
                      progress=False, desc="training", evaluate=None, store=None, checkpoint_every=0, checkpoint_seconds=60.0, after_step=None,
                      threads=None, optimizer="adam", shuffle=True, gradient_stats=(), gradient_batch_size=None,
                      timings=None),
        "logging_schedule": dict(name="log2", epochs=100, num=10),
        "log_spaced_epochs": dict(last_epoch=100, num=10, include_zero=False),
        "log2_spaced_epochs": dict(epochs=100, num=10),
        "piecewise_epochs": dict(epochs=100),
        "ib_curve": dict(p_xy=np.array([[0.45, 0.05], [0.05, 0.45]]), betas=[2.0, 4.0], dual=False, n_clusters=None,
                         anneal="both", tol=1e-8, max_iter=100, merge_tol=1e-7, seed=0, keep_encoders=True,
                         progress=False),
        "ib_critical_beta": dict(p_xy=np.array([[0.45, 0.05], [0.05, 0.45]])),
        "binary_joint": dict(p_y1=[0.2, 0.9], p_x=None),
        "network_kernels": dict(x=CENTERS, z=None, depth=2, activation="erf", weight_std=1.0, bias_std=0.1),
        "InfiniteEnsemble": dict(x_train=CENTERS[:4], y_train=np.eye(2)[LABELS[:4]], depth=2, activation="erf",
                                 weight_std=1.0, bias_std=0.1),
        "ensemble_information": dict(ensemble=ipcore.nets.InfiniteEnsemble(CENTERS[:4], np.eye(2)[LABELS[:4]]),
                                     x_test=CENTERS[4:8], y_test=np.eye(2)[LABELS[4:8]], times=[1.0], n_samples=2,
                                     seed=0),
    }


def public_callables():
    found = {}
    for module in (ipcore, ipcore.estimators, ipcore.nets, ipcore.data, ipcore.bottleneck):
        for name in module.__all__:
            obj = getattr(module, name)
            if callable(obj) and name not in NOT_CALLED_WITH_INPUT:
                found[name] = obj
    return found


@pytest.fixture(scope="module")
def idx_folder(tmp_path_factory):
    """A folder with a blank, valid MNIST-named test set: the loaders' good calls read it."""
    folder = tmp_path_factory.mktemp("mnist")
    images = np.zeros((10000, 28, 28), dtype=np.uint8)
    labels = (np.arange(10000) % 10).astype(np.uint8)
    for stem, array in (("t10k-images-idx3-ubyte", images), ("t10k-labels-idx1-ubyte", labels)):
        header = bytes([0, 0, 8, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
        (folder / stem).write_bytes(header + array.tobytes())  # uncompressed: no published md5 to match
    return folder


def test_every_public_callable_is_declared(idx_folder):
    calls = good_calls(idx_folder)
    undeclared = [name for name, obj in public_callables().items()
                  if declared_params(obj) is None and name not in SELF_CHECKED]
    assert not undeclared, f"public callables without validate_params: {undeclared}"
    missing = sorted(set(public_callables()) - set(calls) - set(SELF_CHECKED))
    assert not missing, f"public callables without a good call in this file: {missing}"


def cases():
    """(function name, parameter, bad value) for every declared bad value of every public callable."""
    out = []
    for name, obj in sorted(public_callables().items()):
        for param, constraint in (declared_params(obj) or {}).items():
            for value in constraint.invalid():
                out.append(pytest.param(name, param, value, id=f"{name}-{param}-{_short(value)}"))
    return out


def _short(value):
    text = repr(value) if not isinstance(value, np.ndarray) else f"array{value.shape}{value.dtype}"
    return text[:30]


@pytest.mark.parametrize("name", sorted(set(public_callables()) - set(SELF_CHECKED)))
def test_the_good_call_runs(name, idx_folder):
    obj = public_callables()[name]
    kwargs = good_calls(idx_folder)[name]
    assert set(kwargs) == set(inspect.signature(obj).parameters) - {"self"}, "the good call names every parameter"
    obj(**kwargs)


@pytest.mark.parametrize(("name", "param", "value"), cases())
def test_a_bad_value_is_refused_naming_its_argument(name, param, value, idx_folder):
    obj = public_callables()[name]
    kwargs = dict(good_calls(idx_folder)[name])
    kwargs[param] = value
    with pytest.raises((ValueError, TypeError)) as info:
        obj(**kwargs)
    assert str(info.value).startswith(f"{param}:"), f"{name}({param}={value!r}) raised {info.value!r}"


def test_the_generated_cases_are_many():
    # The count the hardening issue's note reports; a drop means declarations were lost.
    assert len(cases()) >= 400


# ----------------------------------------------------------------------------------------
# The cases of the hardening issue, one by one
# ----------------------------------------------------------------------------------------

def test_tiny_and_huge_beta_are_refused_not_divided_by():
    from ipcore.estimators import gaussian_mixture_entropy, mixture_entropy_1d, two_point_mutual_information

    for call in (lambda b: gaussian_mixture_entropy(CENTERS, b), lambda b: two_point_mutual_information(1.0, beta=b),
                 lambda b: mixture_entropy_1d(CENTERS[:, 0], b)):
        for beta in (1e-300, 1e308):
            with pytest.raises(ValueError, match=r"^beta: must lie in \[1e-100, 1e\+100\]"):
                call(beta)
    # the smallest accepted β still gives the right number: ½ ln(2πeβ²) for one point
    assert mixture_entropy_1d([0.0], BETA_MIN) == pytest.approx(0.5 * math.log(2 * math.pi * math.e * BETA_MIN**2), rel=1e-12)


def test_overflowing_coordinates_name_the_argument_the_caller_passed():
    from ipcore.estimators import gaussian_mixture_entropy, mixture_entropy_1d

    with pytest.raises(ValueError, match=r"^centers: values must lie within"):
        mixture_entropy_1d([0.0, 1e308], 1.0)
    with pytest.raises(ValueError, match=r"^centers: values must lie within"):
        gaussian_mixture_entropy(np.array([[0.0], [1e308]]), 1.0)


@pytest.mark.parametrize("offset", [0.0, 1e2, 1e4, 1e6, 1e8])
def test_entropies_are_shift_invariant_far_from_the_origin(offset):
    from ipcore.estimators import gaussian_mixture_entropy, mixture_entropy_1d, sp_mutual_information

    c = np.random.default_rng(1).uniform(-1, 1, (64, 3))
    shifted = c + offset
    at_origin = shifted - offset  # the same configuration, rounded as the shifted one is
    for beta in (0.005, 0.05):
        assert gaussian_mixture_entropy(shifted, beta, seed=0) == pytest.approx(
            gaussian_mixture_entropy(at_origin, beta, seed=0), abs=1e-9)
        reps = shifted[:, None, :] + 0.0 * np.random.default_rng(2).normal(size=(64, 4, 3))
        assert sp_mutual_information(shifted, beta, conditional_centers=reps, seed=0).mi == pytest.approx(
            sp_mutual_information(at_origin, beta, conditional_centers=reps - offset, seed=0).mi, abs=1e-9)
    assert mixture_entropy_1d(shifted[:8, 0], 0.05) == pytest.approx(mixture_entropy_1d(at_origin[:8, 0], 0.05), abs=1e-9)


def test_far_apart_centers_give_the_exact_entropy():
    from ipcore.estimators import gaussian_mixture_entropy, mixture_entropy_1d

    # Two centers at ±1e6 (and ±1e7), β = 0.005: ln 2 + ½ ln(2πeβ²), as at ±1 (the issue measured −3.85 and −14.1).
    # Points near ±1e7 (Monte Carlo draws, quadrature nodes) are themselves rounded to 2e-9 (4e-7 β):
    # that, not the kernel, bounds the accuracy there.
    for spread in (1.0, 1e6, 1e7):
        c = np.array([[-spread], [spread]])
        tolerance = 1e-9 * max(1.0, spread / 1e4)  # measured: 9e-9 at ±1e6, 5e-7 at ±1e7 (quadrature)
        assert gaussian_mixture_entropy(c, 0.005, n_mc=50, seed=0) == pytest.approx(
            gaussian_mixture_entropy(np.array([[-1.0], [1.0]]), 0.005, n_mc=50, seed=0), abs=tolerance)
        assert mixture_entropy_1d(c[:, 0], 0.005) == pytest.approx(
            math.log(2) + 0.5 * math.log(2 * math.pi * math.e * 0.005**2), abs=tolerance)


def test_conditional_centers_must_belong_to_the_centers_inputs():
    from ipcore.estimators import sp_mutual_information

    centers = RNG.normal(size=(64, 2))
    with pytest.raises(ValueError, match="^conditional_centers: has 10 inputs"):
        sp_mutual_information(centers, 0.1, conditional_centers=centers[:10, None, :].repeat(4, 1))


def test_covariances_must_be_symmetric_positive_definite():
    from ipcore.estimators import gaussian_channel_mutual_information, jointly_gaussian_mutual_information

    with pytest.raises(ValueError, match="^cov_x: must be positive definite"):
        gaussian_channel_mutual_information(np.array([[1.0, 2.0], [2.0, 1.0]]), np.eye(2), 1.0)
    with pytest.raises(ValueError, match="^cov_x: must be symmetric"):
        gaussian_channel_mutual_information(np.array([[1.0, 0.5], [0.0, 1.0]]), np.eye(2), 1.0)
    with pytest.raises(ValueError, match="^cov: must be symmetric"):
        jointly_gaussian_mutual_information(np.array([[1.0, 0.5], [0.0, 1.0]]), 1)


def test_width_binning_beyond_exact_codes_is_an_error():
    from ipcore.estimators import bin_codes, binned_entropy

    with pytest.raises(ValueError, match="^t: values must lie within"):
        bin_codes([[1e300], [-1e300]], width=1)
    with pytest.raises(ValueError, match="^width: t / width reaches"):
        bin_codes([[1e60], [-1e60]], width=1e-50)
    with pytest.raises(ValueError, match="^width: t / width reaches"):
        binned_entropy(np.array([[1.0], [2.0]]), width=1e-300)
    assert binned_entropy(np.array([[1e15], [-1e15]]), width=1.0) == pytest.approx(math.log(2))


def test_labels_that_are_not_classes_are_refused():
    from ipcore.estimators import binned_mutual_information, sp_label_information

    for bad, match in ((["a"] * 16, "must be integers"), (None, "expected"), (np.zeros((16, 2), dtype=int), "must be 1-D")):
        with pytest.raises(ValueError, match=f"^labels: {match}"):
            sp_label_information(CENTERS, bad, 0.1)
        with pytest.raises(ValueError, match=f"^labels: {match}"):
            binned_mutual_information(CENTERS, bad, width=0.5)


def test_models_and_data_refuse_what_they_cannot_use(tmp_path):
    from ipcore.data import read_idx, train_test_split
    from ipcore.nets import NoisyMLP, SingleNeuron

    for w in (math.nan, math.inf):
        with pytest.raises(ValueError, match="^w: must be a finite number"):
            SingleNeuron(w=w)
    with pytest.raises(ValueError, match="^widths: must be a sequence"):
        NoisyMLP(widths=12)
    with pytest.raises(ValueError, match="^test_fraction: 0.01 of 10 inputs leaves 0 for testing"):
        train_test_split(10, test_fraction=0.01)
    for seed in (-1, 1.5):
        with pytest.raises(ValueError, match="^seed: must be a non-negative integer"):
            train_test_split(10, seed=seed)
    with pytest.raises(ValueError, match="^path: .* does not exist"):
        read_idx(tmp_path / "missing.gz")
    with pytest.raises(ValueError, match="^path: .* is a folder"):
        read_idx(tmp_path)


def test_gaussian_entropy_checks_its_dimension():
    from ipcore.estimators import gaussian_entropy

    for dim in (-1, 2.5, math.nan, 0):
        with pytest.raises(ValueError, match="^dim: must be an integer >= 1"):
            gaussian_entropy(dim, 0.1)


# ----------------------------------------------------------------------------------------
# The command line
# ----------------------------------------------------------------------------------------

def test_cli_names_what_is_wrong_in_one_line(repo_root, tmp_path, capsys):
    from ipcore.book.cli import main

    blocker = tmp_path / "a-file"
    blocker.write_text("")
    notebook = str(repo_root / "notebooks" / "single_neuron.md")
    for argv, message in (
        (["run", str(repo_root / "notebooks"), "-o", str(tmp_path / "x.ipynb")], "notebook: "),
        (["run", notebook, "-o", str(blocker / "out.ipynb")], "output: cannot write to"),
    ):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_a_failed_run_leaves_no_output_notebook(repo_root, tmp_path, capsys):
    from ipcore.book.cli import main

    out = tmp_path / "noisy.ipynb"
    status = main(["run", str(repo_root / "notebooks" / "szt_noisy.md"), "-p", "betas", "0.005", "-o", str(out),
                   "--no-progress"])
    assert status == 2
    assert "betas: must be a list of β values" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # neither the output nor papermill's partial file
