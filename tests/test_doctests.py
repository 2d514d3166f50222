"""The Examples in the docstrings run, and every public object of the API reference has one.

The examples are the reader's first contact with a function (``help()``, the API reference
page), so they run as tests: a changed number or a renamed argument fails here. They run
inside the test session (its isolated cache, its thread settings), not through pytest's
``--doctest-modules``, so that they never touch the user's cache.
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil

import pytest

import ipcore

#: Every module of the package, the book's machinery included.
MODULES = sorted(info.name for info in pkgutil.walk_packages(ipcore.__path__, "ipcore."))
#: The packages whose public objects the API reference documents (book/api.md).
DOCUMENTED = ["ipcore", "ipcore.estimators", "ipcore.data", "ipcore.nets", "ipcore.bottleneck", "ipcore.measure"]
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name, capsys):
    module = importlib.import_module(name)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    for test in doctest.DocTestFinder(exclude_empty=True).find(module, name):
        runner.run(test)
    failed, attempted = runner.summarize(verbose=False)
    report = capsys.readouterr().out
    assert failed == 0, f"{failed} of {attempted} examples in {name} failed:\n{report}"


def _public_objects():
    for package in DOCUMENTED:
        module = importlib.import_module(package)
        for attribute in module.__all__:
            obj = getattr(module, attribute)
            # Warnings and errors are documented by the functions that raise them.
            if inspect.isfunction(obj) or (inspect.isclass(obj) and not issubclass(obj, BaseException)):
                yield f"{package}.{attribute}", obj


@pytest.mark.parametrize(("name", "obj"), list(_public_objects()), ids=lambda v: v if isinstance(v, str) else "")
def test_every_documented_function_and_class_has_a_runnable_example(name, obj):
    doc = inspect.getdoc(obj) or ""
    assert "Examples\n--------" in doc and ">>> " in doc, f"{name}: no Examples section (numpydoc) with a doctest"
    for section in ("Parameters\n----------", "Returns\n-------"):
        if section.startswith("Returns") and (inspect.isclass(obj) or "Yields\n------" in doc
                                               or inspect.signature(obj).return_annotation in (None, "None")):
            continue
        if section.startswith("Parameters") and not inspect.signature(obj).parameters:
            continue
        assert section in doc, f"{name}: no {section.splitlines()[0]} section"
