"""Provider names renamed in this release, still accepted until the next one, each with a warning that says the fix.

The template provider was called "local" (`agents.providers.local.LocalProvider`), which read as "the locally hosted
model" while that is Ollama; it is now "templates" (`agents.providers.templates.TemplateProvider`). An old alias that
settings.AI_PROVIDERS no longer defines resolves to its new name (logged once per process), and the system checks
agents.W001 / agents.W002 name every setting that still uses an old alias or path (`manage.py check`, runserver,
migrate).
"""

import logging

from django.conf import settings
from django.core import checks

logger = logging.getLogger(__name__)

RENAMED_ALIASES = {"local": "templates"}
RENAMED_BACKENDS = {"agents.providers.local.LocalProvider": "agents.providers.templates.TemplateProvider"}
_logged: set[str] = set()


def current_alias(alias: str) -> str:
    """`alias`, or its new name when it was renamed and settings.AI_PROVIDERS does not define the old one."""
    new = RENAMED_ALIASES.get(alias)
    if new is None or alias in settings.AI_PROVIDERS:
        return alias
    if alias not in _logged:
        _logged.add(alias)
        logger.warning("The model provider alias %r is deprecated: using %r. Set AI_PROVIDER / AI_STUDENT / "
                       "AI_TEACHER to %r.", alias, new, new)
    return new


@checks.register()
def check_renamed_providers(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A Warning for each setting that names a renamed provider alias or backend path."""
    warnings = []
    uses = [("AI_PROVIDER", settings.AI_PROVIDER, "AI_PROVIDER")]
    for alias, config in settings.AI_PROVIDERS.items():
        options = config.get("OPTIONS") or {}
        for role in ("student", "teacher"):
            if isinstance(options.get(role), str):
                uses.append((f"AI_PROVIDERS[{alias!r}]['OPTIONS'][{role!r}]", options[role], f"AI_{role.upper()}"))
        backend = config.get("BACKEND")
        if backend in RENAMED_BACKENDS:
            warnings.append(checks.Warning(
                f"AI_PROVIDERS[{alias!r}]['BACKEND'] = {backend!r} is deprecated.",
                hint=f"Use {RENAMED_BACKENDS[backend]!r}; the old path goes away in the next release.",
                id="agents.W002",
            ))
    for where, alias, variable in uses:
        if alias in RENAMED_ALIASES:
            new = RENAMED_ALIASES[alias]
            warnings.append(checks.Warning(
                f"{where} = {alias!r} is a deprecated provider alias; it now means {new!r}.",
                hint=f"Set {variable}={new} (the environment variable, or the setting); {alias!r} is accepted until "
                     "the next release.",
                id="agents.W001",
            ))
    return warnings
