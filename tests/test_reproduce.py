"""`ipcore reproduce --profile smoke`: every chapter runs, its figures are written, its numbers hold.

The whole book runs on a LocalCluster of 2 worker processes (the parallel path, and on 2 cores
the faster one); one chapter runs serially, the default path.
"""

from __future__ import annotations

import json
import math

import pytest

from ipcore.book.cli import main
from ipcore.book.reproduce import PAPER_MINUTES, RUNS_FROM, chapters, longest_first, reproduce, summary_table

pytestmark = pytest.mark.slow


def test_chapters_follow_the_table_of_contents(repo_root):
    names = chapters(repo_root)
    assert names[:2] == ["szt_information_plane", "single_neuron"] and "mnist_cnn" in names
    # Chapters that reuse a training run come after the chapter that trains it.
    assert names.index("szt_binning") < names.index("szt_deterministic")
    assert names.index("szt_noisy") < names.index("szt_variants")
    assert names.index("szt_information_plane") < names.index("ib_bound")  # it plots that chapter's layers


def test_chapters_that_reload_runs_wait_for_the_chapter_computing_them(repo_root):
    names = chapters(repo_root)
    for chapter, sources in RUNS_FROM.items():
        assert all(names.index(source) < names.index(chapter) for source in sources), chapter


def test_a_parallel_reproduction_starts_the_longest_work_first(repo_root):
    names = chapters(repo_root)
    assert set(PAPER_MINUTES) == set(names)  # every chapter has its measured time
    priority = longest_first(names)
    # a chapter others wait for carries their work: szt_noisy then szt_variants, 13.3 minutes
    assert priority["szt_noisy"] == pytest.approx(PAPER_MINUTES["szt_noisy"] + PAPER_MINUTES["szt_variants"])
    assert priority["szt_variants"] == PAPER_MINUTES["szt_variants"]
    assert max(priority, key=priority.get) == max(PAPER_MINUTES, key=PAPER_MINUTES.get)
    # submitted by priority, a chapter still comes after the chapters it reloads runs from
    for chapter, sources in RUNS_FROM.items():
        assert all(priority[source] > priority[chapter] for source in sources), chapter


def test_reproduce_runs_a_chapter_serially(repo_root, tmp_path):
    results = reproduce(repo_root, tmp_path, profile="smoke", only=["single_neuron"], progress=False)
    assert [(r.chapter, r.status) for r in results] == [("single_neuron", "ok")]
    assert results[0].numbers["initial_mi_smallest_beta"] == pytest.approx(math.log(4), abs=1e-3)
    assert list((tmp_path / "figures").glob("single_neuron_*.png"))


def test_reproduce_smoke_runs_every_chapter(repo_root, tmp_path):
    results = reproduce(repo_root, tmp_path, profile="smoke", progress=False, workers=2)
    assert [r.status for r in results] == ["ok"] * len(chapters(repo_root)), summary_table(results)
    numbers = {r.chapter: r.numbers for r in results}
    assert numbers["szt_information_plane"]["layer5_compression"] > 1.0
    assert numbers["single_neuron"]["initial_mi_smallest_beta"] == pytest.approx(math.log(4), abs=1e-3)
    assert numbers["szt_binning"]["finest_min_mi"] == pytest.approx(math.log(4096), abs=0.01)
    assert numbers["szt_noisy"]["layer5_peak"] - numbers["szt_noisy"]["layer5_final"] > 1.5
    assert numbers["szt_variants"]["orthonormal_compression"] < 0.5 < numbers["szt_variants"]["tanh_compression"]
    assert numbers["szt_deterministic"]["correlation_at_width"] > 0.9
    assert abs(numbers["mnist_cnn"]["noisy_val_error"] - numbers["mnist_cnn"]["deterministic_val_error"]) < 0.015
    assert numbers["ib_bound"]["dualib_ity_at_0.5"] <= numbers["ib_bound"]["ib_ity_at_0.5"] + 1e-6
    assert numbers["infinite_width"]["i_xz_lower_final_large_scale"] < numbers["infinite_width"]["i_xz_lower_final_small_scale"]
    assert numbers["saxe_nonlinearity"]["tanh_layer5_compression_binned"] > 1.0 > numbers["saxe_nonlinearity"]["relu_layer5_compression_binned"]
    assert numbers["saxe_sgd"]["tanh_full_batch_compression"] > 1.0 > numbers["saxe_sgd"]["relu_full_batch_compression"]
    assert numbers["saxe_linear"]["largest_fall_i_tx"] < 1e-3 < numbers["saxe_linear"]["irrelevant_fall_large_init"]
    # On the noisy layer in 4 dimensions, sample propagation is ten times closer to the truth than kNN.
    assert 10 * numbers["estimators"]["noisy_layer_SP_d4_rms_error"] < numbers["estimators"]["noisy_layer_kNN_d4_rms_error"]
    # On the latents the estimator is right; compressing the blob images loses information at 6 nats.
    assert numbers["butakov_compression"]["blobs_latents_rms_error"] < 0.2
    assert numbers["butakov_compression"]["blobs_PCA_error_at_top"] < -0.5
    # A reader's CNN: its dense layer learns about the labels while it trains.
    assert numbers["your_network"]["layer_8_mi_y_final"] > numbers["your_network"]["layer_8_mi_y_initial"] + 0.5
    for r in results:
        assert (tmp_path / f"{r.chapter}.ipynb").is_file()
        assert list((tmp_path / "figures").glob(f"{r.chapter}_*")), f"{r.chapter}: no figure written"
    assert (tmp_path / "figures" / "plotly.min.js").is_file()
    assert len(json.loads((tmp_path / "summary.json").read_text())) == len(results)
    table = summary_table(results)
    assert "szt_noisy" in table and f"{len(results)} ok" in table


def test_reproduce_cli_rejects_an_unknown_chapter(repo_root, tmp_path, capsys):
    status = main(["reproduce", "--root", str(repo_root), "--only", "szt_nosiy", "-o", str(tmp_path)])
    assert status == 2
    assert "only: unknown chapter(s) ['szt_nosiy']" in capsys.readouterr().err


def test_reproduce_outside_the_repository_says_where_to_run(tmp_path, capsys):
    status = main(["reproduce", "--root", str(tmp_path), "-o", str(tmp_path / "out")])
    assert status == 2
    assert "root: " in (err := capsys.readouterr().err) and "holds no _toc.yml" in err and "Traceback" not in err
