"""What the engine reads of the learning app on every reply (the experiments, the current model versions, whether
the correction memory holds anything) comes from per-process caches: each change reaches the next reply at once."""

import numpy as np
import pytest

from agents.engine.experiments import experiment_overrides
from conversations.tests.factories import CustomerFactory
from learning.models import Exemplar, Experiment, ModelVersion
from learning.selectors import exemplar_neighbours
from learning.services.experiments import experiment_promote, experiment_stop
from learning.services.versions import current_version, version_activate

pytestmark = pytest.mark.django_db(transaction=True)


def _vector(*values):
    vector = np.zeros(384, dtype=np.float32)
    vector[:len(values)] = values
    return vector / np.linalg.norm(vector)


def test_an_experiment_started_stopped_or_promoted_applies_to_the_next_reply():
    customer = CustomerFactory()
    assert experiment_overrides(customer=customer).variants == {}

    experiment = Experiment.objects.create(key="upsell", name="Upsell", kind="template", variants=[
        {"key": "off", "weight": 1, "config": {"upsell": "off"}}])
    assert experiment_overrides(customer=customer).overrides == {"upsell": "off"}

    experiment_stop(experiment=experiment)
    assert experiment_overrides(customer=customer).variants == {}

    experiment.status = Experiment.Status.RUNNING
    experiment.save()
    experiment_promote(experiment=experiment, variant="off")
    assert experiment_overrides(customer=customer).variants == {"upsell": "off"}
    assert experiment_overrides(customer=customer).decisions == []   # promoted: nothing to assign


def test_a_version_made_current_is_the_current_one_at_once(tmp_path):
    first = ModelVersion.objects.create(kind=ModelVersion.Kind.UPSELL, version="v1", path=str(tmp_path / "v1"))
    second = ModelVersion.objects.create(kind=ModelVersion.Kind.UPSELL, version="v2", path=str(tmp_path / "v2"))
    for version in (first, second):
        (tmp_path / version.version).mkdir()
    assert current_version(ModelVersion.Kind.UPSELL) is None

    version_activate(version=first)
    assert current_version(ModelVersion.Kind.UPSELL).pk == first.pk

    ModelVersion.objects.filter(pk=first.pk).update(is_current=False)   # a bulk fix in a shell
    assert current_version(ModelVersion.Kind.UPSELL) is None


def test_the_first_exemplar_saved_is_matched_at_once():
    assert exemplar_neighbours(vector=_vector(1)) == []   # an empty memory: no statement after the first

    exemplar = Exemplar.objects.create(kind="correction", customer_text="a", embedding=_vector(1, 0.1))
    assert [hit.id for hit in exemplar_neighbours(vector=_vector(1))] == [exemplar.pk]

    Exemplar.objects.filter(pk=exemplar.pk).update(enabled=False)
    assert exemplar_neighbours(vector=_vector(1)) == []
