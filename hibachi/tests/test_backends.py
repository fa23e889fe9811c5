"""The one loader behind every pluggable family (hibachi.backends.Backends), on a small family of its own."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from hibachi.backends import Backends


class Greeter:
    def __init__(self, *, alias: str, greeting: str = "hello"):
        self.alias, self.greeting = alias, greeting


class LoudGreeterDouble(Greeter):
    def __init__(self, *, alias: str, greeting: str = "hello"):
        super().__init__(alias=alias, greeting=greeting.upper())


class PairGreeterDouble(Greeter):
    """Composed from another configured alias, like the hybrid provider or the dual memory."""

    def __init__(self, *, alias: str, inner: str):
        super().__init__(alias=alias)
        self.inner = greeters(inner)


class NotAGreeter:
    def __init__(self, *, alias: str):
        pass


class BrokenGreeterDouble(Greeter):
    def __init__(self, *, alias: str):
        raise TypeError("a bug inside the constructor")


HERE = "hibachi.tests.test_backends"
greeters = Backends("TEST_GREETERS", Greeter, noun="greeter", default_setting="TEST_GREETER", default="plain",
                    resets=("TEST_GREETING_STYLE",))


@pytest.fixture
def configured(settings):
    settings.TEST_GREETERS = {
        "plain": {"BACKEND": f"{HERE}.Greeter", "OPTIONS": {}},
        "loud": {"BACKEND": f"{HERE}.LoudGreeterDouble", "OPTIONS": {"greeting": "hi"}},
        "pair": {"BACKEND": f"{HERE}.PairGreeterDouble", "OPTIONS": {"inner": "loud"}},
    }
    return settings


def test_an_alias_is_built_from_its_backend_and_options(configured):
    greeter = greeters("loud")

    assert type(greeter) is LoudGreeterDouble and greeter.alias == "loud" and greeter.greeting == "HI"


def test_an_alias_is_built_once_and_cached(configured):
    assert greeters("loud") is greeters("loud")


def test_without_an_alias_the_default_setting_names_it_else_the_default(configured):
    assert greeters().alias == "plain"
    configured.TEST_GREETER = "loud"
    assert greeters().alias == "loud"


def test_a_composed_backend_gets_the_cached_instance_of_the_alias_it_wraps(configured):
    assert greeters("pair").inner is greeters("loud")


def test_changing_one_of_the_familys_settings_forgets_the_instances(configured):
    before = greeters("loud")
    with override_settings(TEST_GREETERS={"loud": {"BACKEND": f"{HERE}.Greeter", "OPTIONS": {}}}):
        during = greeters("loud")
        assert type(during) is Greeter
    after = greeters("loud")

    assert type(after) is LoudGreeterDouble and after is not before
    with override_settings(TEST_GREETING_STYLE="formal"):
        assert greeters("loud") is not after


def test_changing_another_setting_keeps_the_instances(configured):
    before = greeters("loud")
    with override_settings(SOME_OTHER_SETTING=1):
        assert greeters("loud") is before


def test_cache_clear_forgets_the_instances(configured):
    before = greeters("plain")
    greeters.cache_clear()
    assert greeters("plain") is not before


def test_an_unknown_alias_names_the_setting_and_the_known_aliases(configured):
    with pytest.raises(ImproperlyConfigured, match=r"No greeter 'shy' in settings.TEST_GREETERS "
                                                   r"\(known: plain, loud, pair\); add it as \{'BACKEND'"):
        greeters("shy")


def test_a_missing_setting_knows_no_aliases(settings):
    with pytest.raises(ImproperlyConfigured, match=r"No greeter 'plain' .*\(known: none\)"):
        greeters()


@pytest.mark.parametrize("config", [
    {"BACKEND": f"{HERE}.Nobody"},
    {"BACKEND": "hibachi.tests.no_such_module.Greeter"},
    {"BACKEND": "Greeter"},
    {"OPTIONS": {}},
    "hibachi.tests.test_backends.Greeter",
])
def test_a_wrong_backend_path_says_to_give_a_dotted_path(settings, config):
    settings.TEST_GREETERS = {"odd": config}

    with pytest.raises(ImproperlyConfigured,
                       match=r"TEST_GREETERS\['odd'\]\['BACKEND'\] must be a dotted path to a Greeter class"):
        greeters("odd")


@pytest.mark.parametrize("backend", [f"{HERE}.NotAGreeter", f"{HERE}.HERE"])
def test_a_backend_that_is_not_a_subclass_of_the_familys_base_is_refused(settings, backend):
    settings.TEST_GREETERS = {"odd": {"BACKEND": backend}}

    with pytest.raises(ImproperlyConfigured, match=r"\['BACKEND'\] = '.*' is not a Greeter subclass"):
        greeters("odd")


@pytest.mark.parametrize("options", [{"volume": 11}, {"inner": "plain", "volume": 11}, ["hi"]])
def test_options_that_do_not_fit_the_constructor_are_refused(settings, options):
    settings.TEST_GREETERS = {"odd": {"BACKEND": f"{HERE}.PairGreeterDouble", "OPTIONS": options}}

    with pytest.raises(ImproperlyConfigured, match=r"TEST_GREETERS\['odd'\]\['OPTIONS'\] does not fit"):
        greeters("odd")


def test_a_required_option_left_out_is_refused(settings):
    settings.TEST_GREETERS = {"odd": {"BACKEND": f"{HERE}.PairGreeterDouble"}}

    with pytest.raises(ImproperlyConfigured, match=r"\['OPTIONS'\] does not fit .*'inner'"):
        greeters("odd")


def test_a_type_error_inside_the_constructor_is_a_bug_not_a_configuration_error(settings):
    settings.TEST_GREETERS = {"odd": {"BACKEND": f"{HERE}.BrokenGreeterDouble"}}

    with pytest.raises(TypeError, match="a bug inside the constructor"):
        greeters("odd")


def test_a_failed_build_is_not_cached(settings):
    settings.TEST_GREETERS = {"odd": {"BACKEND": f"{HERE}.PairGreeterDouble"}}
    with pytest.raises(ImproperlyConfigured):
        greeters("odd")

    settings.TEST_GREETERS["odd"]["OPTIONS"] = {"inner": "odd2"}
    settings.TEST_GREETERS["odd2"] = {"BACKEND": f"{HERE}.Greeter"}

    assert greeters("odd").inner.alias == "odd2"
