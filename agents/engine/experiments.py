"""A/B experiments (learning app) applied to the engine, per customer.

An experiment's variant config may set any of ENGINE_SETTINGS; the pipeline reads them for the customer's variant:

- ``upsell``: ``"on"`` (default) or ``"off"`` - whether the sales agent offers an add-on (a template experiment);
- ``confidence_threshold_low`` / ``confidence_threshold_high`` - the cascade thresholds for this customer (a threshold
  experiment; validated like the settings, an invalid pair is ignored);
- ``instructions_suffix`` - text appended to the agent's instructions for LLM providers (a prompt experiment).

Assignment is deterministic per customer. Reading a variant stores nothing: each running experiment's assignment is an
``ExperimentAssign`` decision, stored by the learning app when the pipeline commits the reply. The variants a reply was
written under are kept in its metadata (``experiments``) so conversion, upsell acceptance and CSAT can be compared per
variant.
"""

from __future__ import annotations

import logging
from typing import NamedTuple

from agents.providers.rollout import confidence_thresholds
from learning.models import Experiment
from learning.selectors import experiment_variants_for, experiments_live

from .decisions import ExperimentAssign

logger = logging.getLogger(__name__)

ENGINE_SETTINGS = ("upsell", "confidence_threshold_low", "confidence_threshold_high", "instructions_suffix")


class CustomerExperiments(NamedTuple):
    overrides: dict             # {engine setting: value}
    variants: dict              # {experiment key: variant}
    decisions: list             # ExperimentAssign for each running experiment, stored with the reply


def experiment_overrides(*, customer) -> CustomerExperiments:
    """The engine settings, variants and assignments to store for this customer, from every experiment not stopped.
    When two experiments set the same setting, the most recently started wins. Reads only: the experiments come from
    a per-process cache, and the customer's stored assignments take one statement when any experiment runs."""
    overrides: dict = {}
    variants: dict = {}
    decisions: list = []
    experiments = experiments_live()
    chosen = experiment_variants_for(customer=customer, experiments=experiments)
    for experiment in experiments:
        variant = chosen.get(experiment.key)
        if variant is None:
            continue
        variants[experiment.key] = variant
        if experiment.status == Experiment.Status.RUNNING:
            decisions.append(ExperimentAssign(experiment_key=experiment.key, customer=customer))
        config = next((v.get("config") or {} for v in experiment.variants if v.get("key") == variant), {})
        overrides.update({key: value for key, value in config.items() if key in ENGINE_SETTINGS})
    return CustomerExperiments(overrides, variants, decisions)


def thresholds_for(overrides: dict) -> tuple[float, float]:
    """(LOW, HIGH) for this customer: the experiment's pair when valid, else the approved calibration, else the
    settings (`confidence_thresholds`)."""
    default = confidence_thresholds()
    try:
        low = float(overrides.get("confidence_threshold_low", default[0]))
        high = float(overrides.get("confidence_threshold_high", default[1]))
    except (TypeError, ValueError):
        logger.warning("Ignoring a non-numeric threshold in an experiment: %r", overrides)
        return default
    if not 0 <= low < high <= 1:
        logger.warning("Ignoring an experiment's thresholds outside 0 <= LOW < HIGH <= 1: %s, %s", low, high)
        return default
    return low, high
