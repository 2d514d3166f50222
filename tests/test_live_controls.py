"""Live controls (ipywidgets, for a kernel): draw on start, redraw on change or on click, show errors."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from ipcore.config import PROGRESS_ENV, progress_bar  # noqa: E402
from ipcore.plotting import live_control  # noqa: E402


def _recorder(calls):
    def draw(beta: float, epoch: int):
        calls.append((beta, epoch))
        if beta < 0:
            raise ValueError(f"beta: must be > 0, got {beta}")
        return plt.figure()
    return draw


def test_a_cheap_control_draws_at_once_and_on_every_change():
    calls = []
    beta = widgets.FloatSlider(value=0.1, min=-1, max=1)
    epoch = widgets.IntSlider(value=3, max=10)
    box = live_control(_recorder(calls), {"beta": beta, "epoch": epoch})
    assert calls == [(0.1, 3)]
    beta.value = 0.5
    epoch.value = 7
    assert calls == [(0.1, 3), (0.5, 3), (0.5, 7)]
    controls, output = box.children
    assert list(controls.children) == [beta, epoch] and isinstance(output, widgets.Output)
    assert plt.get_fignums() == []  # every drawn figure is closed once shown


def test_an_expensive_control_waits_for_its_button_and_reports_errors(capsys):
    calls = []
    beta = widgets.FloatSlider(value=0.1, min=-1, max=1)
    box = live_control(lambda beta: _recorder(calls)(beta, 0), {"beta": beta}, button="Train")
    button = box.children[0].children[-1]
    assert isinstance(button, widgets.Button) and button.description == "Train"
    beta.value = 0.2
    assert calls == [(0.1, 0)]  # moving the slider trains nothing
    button.click()
    assert calls == [(0.1, 0), (0.2, 0)]
    beta.value = -0.5
    button.click()  # the error is shown (here: printed, no kernel), not raised
    assert "ValueError: beta: must be > 0, got -0.5" in capsys.readouterr().out


def test_progress_bars_switch_off_for_the_book_build(monkeypatch):
    assert not progress_bar(range(3), enabled=True).disable
    assert progress_bar(range(3), enabled=False).disable
    monkeypatch.setenv(PROGRESS_ENV, "0")
    assert progress_bar(range(3), enabled=True).disable


def test_log_slider_grid_passes_through_the_chapter_value():
    import math

    from ipcore.plotting import log_slider

    for value in (0.005, 0.05, 0.1, 0.0123):
        s = log_slider(value, low=1e-3, high=1.0)
        k = (math.log10(value) - s.min) / s.step
        assert abs(k - round(k)) < 1e-9 and s.value == value
        assert 1e-3 <= 10 ** s.min < 1e-3 * 10 ** s.step and 10 ** s.max <= 1.0 + 1e-12
