"""Deprecated path, kept for one release: the template provider is `agents.providers.templates.TemplateProvider`.

Settings that still name this path work (the `agents.W002` system check says what to write instead).
"""

import warnings

from .templates import TemplateProvider

warnings.warn(
    "agents.providers.local.LocalProvider is now agents.providers.templates.TemplateProvider; "
    "update AI_PROVIDERS[...]['BACKEND'] (the old path goes away in the next release).",
    DeprecationWarning,
    stacklevel=2,
)

LocalProvider = TemplateProvider
