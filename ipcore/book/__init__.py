"""The book's machinery: building it (:mod:`.build`), its Sphinx extension, running chapters
with parameters (:mod:`.notebook`), reproducing every chapter (:mod:`.reproduce`) and the CLI.

Nothing in the science (estimators, nets, data) or the studies (experiments) imports from here.
"""
