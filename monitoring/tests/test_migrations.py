"""monitoring/0002: the plan's 200 ms latency default replaces the old 5,000 ms one (a value a manager chose stays),
and a "once" alert already sent keeps counting as sent for its threshold."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("monitoring", "0001_initial")]
AFTER = [("monitoring", "0002_plan_alert_thresholds_and_other_costs")]


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.migrate(target)
    return executor.loader.project_state(target).apps


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("before", "after"), [(5000, 200), (800, 800)])
def test_the_latency_threshold_takes_the_plans_default_unless_a_manager_chose_one(before, after):
    old = _migrate(BEFORE)
    old.get_model("monitoring", "MonitorSettings").objects.create(id=1, response_p95_threshold_ms=before,
                                                                  customers_threshold=1000)
    old.get_model("monitoring", "Alert").objects.create(condition="growth.customers", period="once", title="x")
    new = _migrate(AFTER)
    assert new.get_model("monitoring", "MonitorSettings").objects.get().response_p95_threshold_ms == after
    assert new.get_model("monitoring", "Alert").objects.get().period == "once@1000"
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
