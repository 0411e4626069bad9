"""The keyword options of every call that computes, as the command line's environment
options: ``tininess``, ``nan``, ``overflow``, ``daz``, ``ftz`` and ``via`` (docs/python.md,
docs/semantics.md). One mapping in the extension turns them into the environment and names
unknown values."""

from __future__ import annotations

from typing import Any, Dict, Optional

import numpy as np

from ._formats import Format


def env_options(tininess: Optional[str] = None, nan: Optional[str] = None,
                overflow: Optional[str] = None, daz: Any = False, ftz: Any = False,
                via: Any = None) -> Dict[str, Any]:
    """The options given, as the extension's option dict: names as strings, ``daz`` and
    ``ftz`` as bools, ``via`` (a name, :class:`fpx.Format` or dtype) as a format name."""
    options: Dict[str, Any] = {}
    for name, value in (("tininess", tininess), ("nan", nan), ("overflow", overflow)):
        if value is not None:
            options[name] = value
    for name, value in (("daz", daz), ("ftz", ftz)):
        if isinstance(value, np.bool_):
            value = bool(value)
        if value is not None and value is not False:
            options[name] = value  # the extension refuses anything but a bool
    if via is not None:
        if isinstance(via, str):
            options["via"] = via
        else:
            options["via"] = Format(via).name
    return options
