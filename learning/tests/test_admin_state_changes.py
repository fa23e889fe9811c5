"""Model-version rollback/activate and experiment promote change state only on a POST carrying the CSRF token:
a link (an <img src>, a prefetching mail client, a page another site opens) changes nothing."""
import pytest
from django.test import Client
from django.urls import reverse

from learning.models import Experiment, ModelVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def versions(tmp_path):
    for name in ("a", "b"):
        (tmp_path / "upsell" / name).mkdir(parents=True)
    old = ModelVersion.objects.create(kind="upsell", version="a", path=str(tmp_path / "upsell" / "a"), score=0.5)
    new = ModelVersion.objects.create(kind="upsell", version="b", path=str(tmp_path / "upsell" / "b"), score=0.6)
    return old, new


@pytest.fixture
def experiment():
    return Experiment.objects.create(key="greet", name="Greeting", kind="template", variants=[
        {"key": "control", "weight": 50, "config": {}}, {"key": "warm", "weight": 50, "config": {}}])


@pytest.fixture
def csrf_client(staff_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    return client


def current(kind="upsell"):
    return ModelVersion.objects.filter(kind=kind, is_current=True).first()


def test_a_get_of_activate_shows_a_confirmation_and_changes_nothing(staff_client, versions):
    old, _ = versions
    response = staff_client.get(reverse("admin:learning_modelversion_activate", args=[old.pk]))
    assert response.status_code == 200 and b'method="post"' in response.content
    assert current() is None


def test_a_get_of_rollback_changes_nothing(staff_client, versions):
    old, new = versions
    staff_client.post(reverse("admin:learning_modelversion_activate", args=[old.pk]))
    staff_client.post(reverse("admin:learning_modelversion_activate", args=[new.pk]))
    assert current() == new
    response = staff_client.get(reverse("admin:learning_modelversion_rollback", args=[new.pk]))
    assert response.status_code == 200 and b"Roll back upsell from b to a?" in response.content
    assert current() == new


def test_a_get_of_promote_changes_nothing(staff_client, experiment):
    response = staff_client.get(reverse("admin:learning_experiment_promote", args=[experiment.pk, "warm"]))
    assert response.status_code == 200
    experiment.refresh_from_db()
    assert experiment.status != Experiment.Status.PROMOTED and not experiment.winner


def test_a_post_without_the_csrf_token_is_refused(csrf_client, versions, experiment):
    old, _ = versions
    assert csrf_client.post(reverse("admin:learning_modelversion_activate", args=[old.pk])).status_code == 403
    assert csrf_client.post(reverse("admin:learning_experiment_promote", args=[experiment.pk, "warm"])).status_code == 403
    assert current() is None
    experiment.refresh_from_db()
    assert not experiment.winner


def test_the_confirmation_form_posts_with_its_token_and_acts(csrf_client, versions):
    old, _ = versions
    url = reverse("admin:learning_modelversion_activate", args=[old.pk])
    page = csrf_client.get(url)
    token = page.context["csrf_token"]
    response = csrf_client.post(url, {"csrfmiddlewaretoken": str(token)})
    assert response.status_code == 302
    assert current() == old


def test_other_methods_are_not_allowed(staff_client, versions):
    old, _ = versions
    assert staff_client.put(reverse("admin:learning_modelversion_activate", args=[old.pk])).status_code == 405
    assert current() is None
