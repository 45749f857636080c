"""tests/notebook/urn_nbexec.py — nbconvert's ExecutePreprocessor with one fix,
so that `jupyter nbconvert --execute` runs notebooks with widgets on Debian 12.

Debian ships ipywidgets 6.0 (widget message protocol 1: a comm_open carries the
widget's state as its data) beside nbclient 0.7, which expects protocol 2 (the
state under data["state"]) and fails with KeyError: 'state' on the first
widget.  This preprocessor hands nbclient such messages in protocol 2's shape;
with ipywidgets 7 or later it changes nothing.  Used by nbconvert_config.py."""
from nbconvert.preprocessors import ExecutePreprocessor


class WidgetCompatExecutePreprocessor(ExecutePreprocessor):
    """ExecutePreprocessor that also accepts ipywidgets 6's comm_open messages."""

    def on_comm_open_jupyter_widget(self, msg):
        data = msg["content"]["data"]
        if "state" not in data:
            msg["content"]["data"] = {"state": dict(data), "buffer_paths": data.get("buffer_paths", [])}
        return super().on_comm_open_jupyter_widget(msg)

    def handle_comm_msg(self, outs, msg, cell_index):
        data = msg["content"].get("data", {})
        if msg["msg_type"] == "comm_open" and "state" not in data:
            msg["content"]["data"] = {"state": dict(data), "buffer_paths": data.get("buffer_paths", [])}
        return super().handle_comm_msg(outs, msg, cell_index)
