"""The validation machinery itself: declarations, messages, the checks the chapters use.

Declarations run when a module is imported, so their own errors are tested here on
functions declared at test time.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from ipcore.validation import (Beta, Integer, Optional, Real, Unchecked, check_beta_grid, check_int, declared_params,
                               validate_params)


def test_every_parameter_must_be_declared_and_only_those():
    with pytest.raises(TypeError, match=r"validate_params on .*f: undeclared \['b'\], unknown \[\]"):
        @validate_params(a=Real())
        def f(a, b):
            return a

    with pytest.raises(TypeError, match=r"undeclared \[\], unknown \['c'\]"):
        @validate_params(a=Real(), c=Real())
        def g(a):
            return a


def test_a_declared_call_checks_given_arguments_converts_them_and_leaves_defaults():
    calls = []

    class Thing:
        @validate_params(x=Real(low=0), n=Integer(low=1), note=Unchecked("anything"))
        def __init__(self, x, n=2, *rest, note=None, **extra):
            calls.append((x, n, note, rest, extra))

    Thing(np.float64(1.5), np.int64(3), "r", note="k", z=1)
    x, n, note, rest, extra = calls[-1]
    assert (x, n, note, rest, extra) == (1.5, 3, "k", ("r",), {"z": 1})
    assert type(x) is float and type(n) is int  # converted on the way in
    Thing(0.0)
    assert calls[-1][1] == 2
    with pytest.raises(ValueError, match=r"^x: must be a finite number in \[0, inf\], got -1"):
        Thing(-1)
    with pytest.raises(ValueError, match=r"^n: must be an integer >= 1, got 0"):
        Thing(1.0, 0)
    assert set(declared_params(Thing)) == {"x", "n", "note"}
    assert declared_params(len) is None


@pytest.mark.parametrize(("constraint", "value", "message"), [
    (Real(), "a", "must be a finite number in [-inf, inf], got 'a'"),
    (Real(low=0, high=1, open_low=True), 0.0, "must be a finite number in (0, 1], got 0.0"),
    (Real(low=0, high=1, open_high=True), 1.0, "must be a finite number in [0, 1), got 1.0"),
    (Real(high=2.5), 3.0, "must be a finite number in [-inf, 2.5], got 3.0"),
    (Beta(), 0.0, "must be finite and > 0 (the noise standard deviation), got 0.0"),
    (Beta(allow_zero=True), -1.0, "must be finite and >= 0 (the noise standard deviation), got -1.0"),
    (Beta(allow_zero=True), 1e-200, "must lie in [1e-100, 1e+100]"),
    (Optional(Integer(low=0, high=3)), 4, "must be an integer in [0, 3], got 4"),
])
def test_messages_say_what_the_value_must_be_and_what_it_was(constraint, value, message):
    with pytest.raises(ValueError) as info:
        constraint.check(value, "arg")
    assert str(info.value).startswith(f"arg: {message}")


def test_the_edges_of_ranges():
    assert Real(low=0, high=1).check(0, "a") == 0.0 and Real(low=0, high=1).check(1, "a") == 1.0
    assert Beta(allow_zero=True).check(0, "b") == 0.0 and Beta().check(1e-100, "b") == 1e-100
    assert Optional(Integer()).check(None, "n") is None
    assert check_int(5, "n", high=5) == 5
    for value, match in ((6, "<= 5"), (-1, ">= 0")):
        with pytest.raises(ValueError, match=match):
            check_int(value, "n", low=0 if value < 0 else None, high=5 if value > 0 else None)


def test_the_slider_grid_is_sorted_unique_and_holds_the_chapters_beta():
    assert check_beta_grid([0.1, 0.005, 0.1, 0.02], 0.02) == [0.005, 0.02, 0.1]
    assert check_beta_grid(np.array([0.5]), 0.5) == [0.5]
    for betas, beta, match in (([], 0.1, "at least one"), ([0.1], 0.2, "must contain the chapter's beta = 0.2"),
                               (0.1, 0.1, "must be a list"), ("0.1", 0.1, "must be a list"), ([0.1, -1], 0.1, "> 0")):
        with pytest.raises(ValueError, match=f"^betas: .*{match}"):
            check_beta_grid(betas, beta)


def test_ensemble_accuracy_is_each_members_fraction_right():
    from ipcore.nets.ensemble import accuracy, cross_entropy

    logits = torch.tensor([[[2.0, 0.0], [0.0, 1.0], [3.0, 1.0], [0.0, 2.0]],
                           [[0.0, 2.0], [0.0, 1.0], [1.0, 3.0], [0.0, 2.0]]])
    labels = torch.tensor([0, 1, 1, 1])
    assert accuracy(logits, labels).tolist() == [0.75, 0.75]
    expected = torch.stack([torch.nn.functional.cross_entropy(logits[i], labels) for i in range(2)])
    torch.testing.assert_close(cross_entropy(logits, labels), expected)


def test_a_process_is_alive_until_it_has_exited(tmp_path):
    from ipcore.cache import process_alive, remove_orphaned

    assert process_alive(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert not process_alive(child.pid)
    for name in (f"run.{child.pid}.a.tmp", f"run.{os.getpid()}.b.tmp", "run.notapid.c.tmp", f"other.{child.pid}.d"):
        (tmp_path / name).write_text("")
    assert [p.name for p in remove_orphaned(tmp_path, "run.")] == [f"run.{child.pid}.a.tmp"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"run.{os.getpid()}.b.tmp", "run.notapid.c.tmp", f"other.{child.pid}.d"])


def test_the_icosahedron_is_built_as_the_szt_rule_needs():
    import importlib

    szt_module = importlib.import_module("ipcore.data.szt")

    # ICOSAHEDRON is built at import, from which the labels follow: build it again and compare
    vertices = szt_module._icosahedron()
    assert np.array_equal(vertices, szt_module.ICOSAHEDRON) and vertices.shape == (12, 3)
    assert np.allclose(np.linalg.norm(vertices, axis=1), 1.0)
    dots = np.round(vertices @ vertices.T, 9)
    assert ((np.abs(dots - 1 / np.sqrt(5)) < 1e-9).sum(1) == 5).all()


def test_an_unbounded_integer_says_only_that_it_must_be_an_integer():
    with pytest.raises(ValueError) as info:
        check_int(1.5, "n")
    assert str(info.value) == "n: must be an integer, got 1.5"


def test_a_classmethod_declares_its_parameters_without_cls():
    class Maker:
        @classmethod
        @validate_params(size=Integer(low=1))
        def make(cls, size):
            return cls, size

    assert Maker.make(3) == (Maker, 3)
    with pytest.raises(ValueError, match="^size: must be an integer >= 1"):
        Maker.make(0)


def test_a_list_of_positive_numbers_is_checked_whole():
    from ipcore.validation import check_positive_numbers

    assert check_positive_numbers([1, 2.5], "scales") == [1.0, 2.5]
    for bad, message in [([], "must be a non-empty list"), ("1.0", "must be a non-empty list"), ([1.0, 0.0], "must be finite and > 0"),
                         ([1.0, float("nan")], "must be finite and > 0"), (None, "must be a non-empty list")]:
        with pytest.raises(ValueError, match=f"^scales: {message}"):
            check_positive_numbers(bad, "scales")


# --- labels, as mutation testing found them unchecked --------------------------------------

def test_labels_are_int64_whatever_they_came_as():
    from ipcore.validation import as_labels

    for given in ([0, 1, 1], np.array([0.0, 1.0, 1.0]), torch.tensor([[0], [1], [1]]), np.array([[0.0], [1.0], [1.0]])):
        labels = as_labels(given, 3)
        assert labels.dtype == torch.int64 and labels.tolist() == [0, 1, 1], given


@pytest.mark.parametrize(("given", "message"), [
    (None, "labels: expected 3 integer class labels, got None"),
    (np.array([0.5, 1.0, 1.0]), "labels: must be integers"),
    (np.array([0.0, np.nan, 1.0]), "labels: must be integers"),
    (np.array([0, 1, 1]) + 0j, "labels: must be integers"),
    (np.zeros((3, 2)), "labels: must be 1-D"),
])
def test_bad_labels_are_refused_by_name(given, message):
    from ipcore.validation import as_labels

    with pytest.raises(ValueError, match=f"^{message}"):
        as_labels(given, 3)


def test_declared_labels_accept_tensors():
    from ipcore.estimators import kde_mutual_information

    t = np.array([[0.0], [0.1], [3.0], [3.1]])
    from_tensor = kde_mutual_information(t, torch.tensor([0, 0, 1, 1]), beta=0.1)
    assert from_tensor == kde_mutual_information(t, np.array([0, 0, 1, 1]), beta=0.1)


@pytest.mark.parametrize("members", [None, 3])
def test_gradient_statistics_before_any_update_are_nan_with_the_weight_norm(members):
    from ipcore.nets.training import gradient_statistics

    weight = torch.ones(3, 2, 2) if members else torch.ones(2, 2)
    stats = gradient_statistics([], weight, members)
    assert set(stats) == {"grad_mean", "grad_std", "weight_norm"}
    assert np.all(np.isnan(stats["grad_mean"])) and np.all(np.isnan(stats["grad_std"]))
    np.testing.assert_allclose(stats["weight_norm"], 2.0)
    if members:
        assert stats["grad_mean"] is not stats["grad_std"]  # one array each: filling one leaves the other


def test_every_chapter_means_something_by_each_profile_and_nothing_else():
    """One set of profile names, checked in one place; one registry says what each chapter means by them."""
    import importlib
    import pkgutil

    import ipcore.experiments
    from ipcore.config import PROFILE_NAMES
    from ipcore.experiments.profiles import REGISTRY, chapter_settings
    from ipcore.validation import check_profile

    for info in pkgutil.iter_modules(ipcore.experiments.__path__):
        module = importlib.import_module(f"ipcore.experiments.{info.name}")
        if hasattr(module, "PROFILES"):
            assert REGISTRY[info.name] is module.PROFILES, info.name  # registered, not a table of its own
    assert len(REGISTRY) >= 12
    for name, table in REGISTRY.items():
        assert tuple(table) == PROFILE_NAMES, name
        for profile in PROFILE_NAMES:
            settings = chapter_settings(name, profile)
            settings.clear()  # a copy: the registry keeps its own
            assert chapter_settings(name, profile), name
    assert check_profile("paper") == "paper"
    with pytest.raises(ValueError, match=r"profile: must be one of \['paper', 'smoke'\], got 'full'"):
        check_profile("full")
    with pytest.raises(ValueError, match="^study: "):
        chapter_settings("no_such_chapter", "smoke")


@pytest.mark.parametrize(("table", "message"), [
    ({"smoke": {"epochs": 1}}, "must be"),
    ({"paper": {"epochs": 1}, "smoke": {"epochs": 2}}, "must be"),
    ({"smoke": {"epochs": 1}, "paper": {"epochs": 2, "lr": 0.1}}, "same parameters"),
    ({"smoke": {"run": {"epochs": 1}}, "paper": {"run": {"lr": 0.1}}}, "same parameters"),
])
def test_a_profile_table_that_means_different_things_is_refused(table, message):
    from ipcore.experiments.profiles import register_profiles

    with pytest.raises(ValueError, match=message):
        register_profiles("bad_study", table)
