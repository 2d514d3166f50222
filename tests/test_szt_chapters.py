"""SZT chapters run through papermill at the smoke profile; their reported numbers are asserted."""

from __future__ import annotations

import math

import pytest

from ipcore.notebook import read_results, run_notebook

pytestmark = pytest.mark.slow


def test_binning_collapse_reaches_ln_4096_with_the_finest_bins(repo_root, tmp_path, monkeypatch):
    monkeypatch.setenv("IPCORE_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "szt_binning.ipynb"
    run_notebook(repo_root / "notebooks" / "szt_binning.md", out, {"widths": [0.00001, 0.1]}, progress=False)
    results = read_results(out)
    assert results["profile"] == "smoke"
    # Every layer at every epoch within 0.01 of ln 4096 with the finest bins …
    assert results["finest_min_mi"] == pytest.approx(math.log(4096), abs=0.01)
    # … while coarse bins show the deepest layer far below it ("compression" = clustering).
    assert results["coarsest_layer5_final"] < math.log(4096) - 2.0


def test_binning_chapter_rejects_bad_widths(repo_root, tmp_path, monkeypatch):
    from ipcore.notebook import NotebookError

    monkeypatch.setenv("IPCORE_CACHE", str(tmp_path / "cache"))
    with pytest.raises(NotebookError, match="widths"):
        run_notebook(repo_root / "notebooks" / "szt_binning.md", tmp_path / "o.ipynb", {"widths": [0.1, -1.0]},
                     progress=False)
