"""Staff roles: the Agent, Manager and Owner groups and the permissions each gets.

- **Agent** answers customers: the review queue (correct, relabel, approve), live handoff, conversations and
  escalations, customers, bookings (create and change), knowledge documents (read).
- **Manager** runs the business on top of that: manager reports, prices and chefs, experiments, model versions,
  knowledge documents, monitor and assistant settings, calendar feeds, business hours and holidays, the
  assistant's reply templates; reads everything of the project's apps.
- **Owner** has every permission of the project's apps and manages staff users and groups.

Rules are written per app and model so that models added later get their role's permissions: a data migration
creates the groups, and after every `migrate` the permissions a role should have and lacks are added (never
removed: staff may grant more; give a custom set its own group). Nothing here deletes or demotes.
"""

from __future__ import annotations

PROJECT_APPS = ("conversations", "bookings", "agents", "knowledge", "nlu", "learning", "monitoring", "messaging",
                "staff")

AGENT = "Agent"
MANAGER = "Manager"
OWNER = "Owner"

# (app_label, model or "*", actions)
_AGENT_RULES = [
    ("conversations", "*", {"view"}),
    ("conversations", "conversation", {"change"}),
    ("conversations", "escalation", {"change"}),
    ("conversations", "customer", {"change"}),
    ("bookings", "booking", {"view", "add", "change"}),
    ("bookings", "chef", {"view"}),
    ("bookings", "priceitem", {"view"}),
    ("knowledge", "knowledgedocument", {"view"}),
    ("learning", "reviewitem", {"view", "change"}),
    ("learning", "correction", {"view", "add", "change"}),
    ("learning", "labeledexample", {"view", "add", "change"}),
    ("learning", "exemplar", {"view"}),
    ("learning", "feedback", {"view"}),
    ("learning", "satisfactionsurvey", {"view"}),
    ("messaging", "unansweredmessage", {"view", "change"}),
    ("messaging", "outbounddelivery", {"view"}),
]
_MANAGER_RULES = [
    *_AGENT_RULES,
    *((app, "*", {"view"}) for app in PROJECT_APPS),
    ("bookings", "priceitem", {"add", "change"}),
    ("bookings", "chef", {"add", "change"}),
    ("bookings", "calendarfeed", {"add", "change"}),
    ("knowledge", "knowledgedocument", {"add", "change"}),
    ("learning", "experiment", {"add", "change"}),
    ("learning", "modelversion", {"change"}),
    ("learning", "exemplar", {"change"}),
    ("monitoring", "monitorsettings", {"change"}),
    ("monitoring", "alert", {"change"}),
    ("agents", "assistantsettings", {"change"}),
    ("agents", "replytemplate", {"add", "change", "delete"}),
    ("staff", "businesshours", {"change"}),
    ("staff", "holiday", {"add", "change", "delete"}),
    ("messaging", "webhookevent", {"change"}),
    ("messaging", "outbounddelivery", {"change"}),
]
_OWNER_RULES = [
    *((app, "*", {"view", "add", "change", "delete"}) for app in PROJECT_APPS),
    ("auth", "user", {"view", "add", "change", "delete"}),
    ("auth", "group", {"view", "add", "change", "delete"}),
    ("authtoken", "*", {"view", "add", "change", "delete"}),
    ("django_celery_beat", "*", {"view", "add", "change", "delete"}),
]
ROLES = {AGENT: _AGENT_RULES, MANAGER: _MANAGER_RULES, OWNER: _OWNER_RULES}


def role_permissions(rules, permission_model):
    """The permission rows the rules name, among those that exist (a rule for a model not installed names none)."""
    wanted = set()
    for app_label, model, actions in rules:
        wanted |= {(app_label, model, action) for action in actions}
    rows = permission_model.objects.select_related("content_type").filter(
        content_type__app_label__in={app for app, _, _ in wanted})
    chosen = []
    for permission in rows:
        action, _, model = permission.codename.partition("_")
        ct = permission.content_type
        if (ct.app_label, ct.model, action) in wanted or (ct.app_label, "*", action) in wanted:
            chosen.append(permission)
        elif permission.codename == "view_managerreport" and (ct.app_label, "managerreport", "view") in wanted:
            chosen.append(permission)
    return chosen


def roles_sync(*, group_model, permission_model) -> dict[str, int]:
    """Create the role groups and add the permissions each lacks. Returns {role: permissions added}."""
    added = {}
    for name, rules in ROLES.items():
        group, _ = group_model.objects.get_or_create(name=name)
        have = set(group.permissions.values_list("pk", flat=True))
        missing = [p for p in role_permissions(rules, permission_model) if p.pk not in have]
        group.permissions.add(*missing)
        added[name] = len(missing)
    return added


def roles_sync_after_migrate(sender, apps=None, using="default", **kwargs):
    """post_migrate: keep the roles complete when a later migration adds models."""
    from django.contrib.auth.models import Group, Permission

    roles_sync(group_model=Group.objects.db_manager(using).model, permission_model=Permission)
