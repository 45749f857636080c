"""urn._data -- Python values to CmdStan JSON text (data, inits, parameter values).

numpy arrays become nested lists (row-major, as CmdStan JSON wants: a matrix is
a list of rows), numpy scalars and bools become numbers, and non-finite numbers
become the strings "NaN", "Inf", "-Inf" that urn's JSON reader accepts.
"""
import json
import math
import os

import numpy as np


def _plain(v):
    """A JSON-ready copy of v."""
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (bool, np.bool_)):
        return int(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        if math.isnan(f):
            return "NaN"
        if math.isinf(f):
            return "Inf" if f > 0 else "-Inf"
        return f
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if hasattr(v, "__array__") or isinstance(v, np.ndarray):
        a = np.asarray(v)
        if a.dtype == bool:
            a = a.astype(int)
        return _plain(a.tolist())
    raise TypeError("cannot write a %s as Stan data (use numbers, lists, numpy arrays or dicts)" % type(v).__name__)


def to_json(values):
    """CmdStan JSON text for a dict of values."""
    if not isinstance(values, dict):
        raise TypeError("data must be a dict of name: value, a JSON file path or JSON text, not %s"
                        % type(values).__name__)
    return json.dumps(_plain(values))


def data_source(data):
    """(text bytes or None, name for messages) for data given as None, a dict,
    a path to a JSON file, or JSON text."""
    if data is None:
        return None, None
    if isinstance(data, dict):
        return to_json(data).encode(), "data"
    if isinstance(data, (str, os.PathLike)):
        s = os.fspath(data)
        if s.lstrip().startswith("{"):
            return s.encode(), "data"
        with open(s, "rb") as f:
            return f.read(), s
    raise TypeError("data must be a dict, a JSON file path or JSON text, not %s" % type(data).__name__)
