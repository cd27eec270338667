"""The litellm examples run in litellm's own virtualenv (it pins openai<3): `make litellm` runs them there."""

from __future__ import annotations

import importlib.util

collect_ignore = [] if importlib.util.find_spec("litellm") else ["test_litellm_examples.py"]
