"""Every chapter's parameters cell reads the same to papermill as to ipcore, with no warning."""

from __future__ import annotations

import logging

import pytest

from conftest import ROOT
from ipcore.book.notebook import load_notebook, notebook_parameters

CHAPTER_FILES = sorted((ROOT / "notebooks").glob("*.md"))


@pytest.mark.parametrize("path", CHAPTER_FILES, ids=lambda p: p.stem)
def test_papermill_parses_every_parameter_of_the_chapter(path, caplog):
    from papermill.translators import PythonTranslator

    nb = load_notebook(path)
    cell = next(c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", []))
    with caplog.at_level(logging.WARNING, logger="papermill"):
        inspected = {p.name: p.default for p in PythonTranslator.inspect(cell)}
    # papermill warns "Unable to parse line …" for a line it cannot read (e.g. a comment holding
    # '='), then "Passed unknown parameter" when the user sets it: the reader thinks it is ignored.
    assert not caplog.records, [r.getMessage() for r in caplog.records]
    ours = notebook_parameters(nb)
    assert set(inspected) == set(ours)
    for name, default in ours.items():
        assert eval(inspected[name]) == default, name  # papermill keeps the default as source text


def test_reported_numbers_print_readably_at_every_scale():
    from ipcore.book.notebook import format_number

    assert format_number(8.317766) == "8.3178"
    assert format_number(1e-8) == "1e-08"  # a bin width, not "0.0000"
    assert format_number(0.00012345) == "0.0001234"
    assert format_number(2.5e7) == "2.5e+07"
    assert format_number(0.0) == "0.0000" and format_number(0.001) == "0.0010"
    assert format_number(3) == "3" and format_number(True) == "True" and format_number("paper") == "paper"


@pytest.mark.parametrize("path", CHAPTER_FILES, ids=lambda p: p.stem)
def test_every_chapter_shows_its_numbers_with_the_code_one_click_away(path):
    """The report() cell is treated alike everywhere: its table of numbers shown, its code folded."""
    nb = load_notebook(path)
    cells = [c for c in nb.cells if c.cell_type == "code" and "report(" in c.source]
    assert len(cells) == 1, f"{path.stem}: one report() cell"
    assert cells[0].metadata.get("tags", []) == ["hide-input"]


def test_chapters_cite_their_papers_from_the_one_bibliography():
    """Papers are cited with {cite:t}/{cite:p} from book/references.bib, whose keys must exist."""
    import re

    keys = set(re.findall(r"^@\w+\{([^,]+),", (ROOT / "book" / "references.bib").read_text(), re.M))
    for path in CHAPTER_FILES:
        cited = set(re.findall(r"\{cite:[tp]\}`([^`]+)`", path.read_text()))
        cited = {key.strip() for group in cited for key in group.split(",")}
        if path.stem != "your_network":  # the tutorial reproduces no paper
            assert cited, f"{path.stem}: cites no paper"
        assert cited <= keys, f"{path.stem}: {sorted(cited - keys)} not in references.bib"
