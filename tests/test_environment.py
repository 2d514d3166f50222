"""environment.yml (conda, Binder) installs the same thing as pyproject.toml and the Makefile."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml


def test_environment_yml_installs_the_project_with_the_same_extras_and_torch_pin(repo_root):
    env = yaml.safe_load((repo_root / "environment.yml").read_text())
    pyproject = tomllib.loads((repo_root / "pyproject.toml").read_text())
    deps = env["dependencies"]
    pip_section = next(d["pip"] for d in deps if isinstance(d, dict) and "pip" in d)
    conda_names = {re.split(r"[=<> ]", d)[0] for d in deps if isinstance(d, str)}
    # Conda adds only the interpreter and pip; everything else comes from pyproject.toml.
    assert conda_names == {"python", "pip"}
    python = next(d for d in deps if isinstance(d, str) and d.startswith("python"))
    minimum = pyproject["project"]["requires-python"].removeprefix(">=")
    assert tuple(map(int, python.split("=")[-1].split("."))) >= tuple(map(int, minimum.split(".")))
    # The same torch pin as `make setup`, installed before the project.
    makefile = (repo_root / "Makefile").read_text()
    pin = re.search(r"TORCH_PIN\s*[:?]?=\s*(\S+)", makefile).group(1)
    torch_lines = [line for line in pip_section if line.startswith("torch")]
    assert torch_lines == [pin]
    project_lines = [line for line in pip_section if line.startswith("-e")]
    assert len(project_lines) == 1
    extras = set(re.search(r"\[(.*)\]", project_lines[0]).group(1).split(","))
    setup_extras = set(re.search(r'-e "?\.\[([^\]]*)\]', makefile).group(1).split(","))
    assert extras == setup_extras
    assert extras <= set(pyproject["project"]["optional-dependencies"])
    assert pip_section.index(pin) < pip_section.index(project_lines[0])
    # No dependency is declared twice (once in pyproject, once here).
    assert len(pip_section) == len(torch_lines) + len(project_lines) + sum(line.startswith("--") for line in pip_section)


def test_binder_stages_the_repository_and_opens_text_notebooks_as_notebooks(repo_root, tmp_path):
    """repo2docker copies the whole repository before installing when the pip section names
    a local path (`-e .`), and runs postBuild, which makes jupytext the viewer of .md files."""
    env = yaml.safe_load((repo_root / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    assert any(line.startswith("-e .") for line in pip_section)  # repo2docker: "local pip requirement"
    assert not (repo_root / "binder").exists() and not (repo_root / ".binder").exists()  # else top-level files are ignored
    post_build = repo_root / "postBuild"
    assert os.access(post_build, os.X_OK)
    bin_dir = str(Path(sys.executable).parent)
    subprocess.run([str(post_build)], check=True, cwd=repo_root,
                   env=dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp_path), PATH=bin_dir + os.pathsep + os.environ["PATH"]))
    overrides = json.loads((tmp_path / "labconfig" / "default_setting_overrides.json").read_text())
    viewers = overrides["@jupyterlab/docmanager-extension:plugin"]["defaultViewers"]
    assert viewers == {"markdown": "Jupytext Notebook", "myst": "Jupytext Notebook"}


def test_launch_buttons_use_a_public_remote_only():
    from ipcore.book.sphinx_ext import public_repository_url as url

    assert url("git@github.com:someone/ipcore.git") == "https://github.com/someone/ipcore"
    assert url("https://token@github.com/someone/ipcore.git/") == "https://github.com/someone/ipcore"
    assert url("ssh://git@gitlab.com/group/ipcore.git") == "https://gitlab.com/group/ipcore"
    assert url("/work/main") is None and url(None) is None and url("https://example.org/a/b") is None


def test_the_root_page_redirects_and_links_the_icon():
    """A root page without an icon link makes the browser ask for /favicon.ico: a 404."""
    from html.parser import HTMLParser

    from ipcore.book.sphinx_ext import icon_data_url, root_redirect_html

    icon = icon_data_url(Path(__file__).parents[1] / "book" / "_static" / "favicon.svg")
    assert icon is not None and icon.startswith("data:image/svg+xml;base64,")
    page = root_redirect_html("book/intro.html", "Information flow & noise", icon)

    class Tags(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.tags: list[tuple[str, dict]] = []

        def handle_starttag(self, tag, attrs):
            self.tags.append((tag, dict(attrs)))

    parser = Tags()
    parser.feed(page)
    assert ("link", {"rel": "icon", "href": icon}) in parser.tags  # inlined: no request for the redirect to abort
    assert ("meta", {"http-equiv": "Refresh", "content": "0; url=book/intro.html"}) in parser.tags
    assert ("a", {"href": "book/intro.html"}) in parser.tags
    assert "Information flow &amp; noise" in page
    assert '<link rel="icon" href="data:,">' in root_redirect_html("book/intro.html", "x", None)
    assert icon_data_url(Path("no-such-icon.svg")) is None
