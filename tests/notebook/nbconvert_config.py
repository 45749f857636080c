# tests/notebook/nbconvert_config.py — `jupyter nbconvert --to notebook --config tests/notebook/nbconvert_config.py
# NOTEBOOK` executes the notebook (as --execute does) with Debian's ipywidgets 6 (see urn_nbexec.py), on the
# python3 kernel (Debian's /usr/bin/python3 -m ipykernel_launcher), stopping at the first error.
c = get_config()  # noqa: F821 (traitlets' config loader defines it)
c.NotebookExporter.preprocessors = ["urn_nbexec.WidgetCompatExecutePreprocessor"]
c.WidgetCompatExecutePreprocessor.enabled = True
c.WidgetCompatExecutePreprocessor.kernel_name = "python3"
c.WidgetCompatExecutePreprocessor.timeout = 600
