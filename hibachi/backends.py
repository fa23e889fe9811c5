"""One loader for every pluggable family (model providers, memory, embedders, channel senders, alert channels).

Like Django's STORAGES: ``settings.<SETTING>[alias] = {"BACKEND": "dotted.path.Class", "OPTIONS": {...}}``. The class
must subclass the family's base and is built once per process as ``Class(alias=alias, **OPTIONS)``; the instance is
cached until one of the family's settings changes (``override_settings``, pytest's ``settings`` fixture). Every
configuration mistake is an ``ImproperlyConfigured`` that says what to set. Foundation code: imports no app.
"""

from __future__ import annotations

import inspect

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.utils.module_loading import import_string


class Backends:
    """The callable loader of one family: ``family(alias=None)`` -> the cached instance (``default`` when no alias:
    the alias named by the ``default_setting`` setting, else ``default``). ``hint`` ends the unknown-alias error."""

    def __init__(self, setting: str, base: type, *, noun: str, default: str | None = None,
                 default_setting: str | None = None, hint: str = "", resets: tuple[str, ...] = ()):
        self.setting, self.base, self.noun = setting, base, noun
        self.default, self.default_setting, self.hint = default, default_setting, hint
        self._instances: dict[str, object] = {}
        self._resets = {setting, *resets} | ({default_setting} if default_setting else set())
        setting_changed.connect(self._forget)  # a weak reference: a loader made in a test goes away with it

    def __call__(self, alias: str | None = None):
        if not alias:
            alias = getattr(settings, self.default_setting, None) if self.default_setting else None
            alias = alias or self.default
        try:
            return self._instances[alias]
        except KeyError:  # built outside any lock: a hybrid or dual backend builds the aliases it wraps first
            return self._instances.setdefault(alias, self._build(alias))

    def cache_clear(self) -> None:
        self._instances.clear()

    def _build(self, alias: str):
        configs = getattr(settings, self.setting, None) or {}
        where = f"{self.setting}[{alias!r}]"
        base = ("an " if self.base.__name__[0] in "AEIOU" else "a ") + self.base.__name__  # "an AlertChannel"
        if alias not in configs:
            hint = self.hint or f"add it as {{'BACKEND': '<dotted path to {base}>', 'OPTIONS': {{}}}}"
            raise ImproperlyConfigured(f"No {self.noun} {alias!r} in settings.{self.setting} "
                                       f"(known: {', '.join(configs) or 'none'}); {hint}.")
        config = configs[alias] if isinstance(configs[alias], dict) else {}
        path, options = config.get("BACKEND"), config.get("OPTIONS") or {}
        try:
            backend = import_string(path if isinstance(path, str) else "")
        except ImportError as exc:
            raise ImproperlyConfigured(f"{where}['BACKEND'] must be a dotted path to {base} class: "
                                       f"{exc}") from exc
        if not (isinstance(backend, type) and issubclass(backend, self.base)):
            raise ImproperlyConfigured(f"{where}['BACKEND'] = {path!r} is not {base} subclass.")
        try:
            inspect.signature(backend).bind(alias=alias, **options)
        except TypeError as exc:
            raise ImproperlyConfigured(f"{where}['OPTIONS'] does not fit {path}: {exc}") from exc
        return backend(alias=alias, **options)

    def _forget(self, *, setting: str, **kwargs) -> None:
        if setting in self._resets:
            self.cache_clear()
