from knowledge.models import KnowledgeDocument
from knowledge.tasks import document_reindex


def test_staff_saving_a_document_in_the_admin_queues_a_reindex_after_commit(
    staff_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = staff_client.post("/admin/knowledge/knowledgedocument/add/", {
            "title": "Parking", "source": "", "tags": "venue, Parking", "active": "on",
            "body": "# Parking\n\nThe chef needs one parking space close to the venue.",
            "chunks-TOTAL_FORMS": "0", "chunks-INITIAL_FORMS": "0",
        })
    assert response.status_code == 302, response.content[:2000]
    document = KnowledgeDocument.objects.get(title="Parking")
    assert document.version == 1 and document.tags == ["parking", "venue"] and document.source.startswith("admin:")
    assert len(callbacks) == 1
    assert document_reindex.apply(args=[document.pk]).get() == 1  # the task, run in-process
    assert document_reindex.apply(args=[document.pk]).get() is None  # a second delivery is a no-op
    document.refresh_from_db()
    assert document.indexed_version == 1


def test_editing_a_document_in_the_admin_bumps_its_version(staff_client, db):
    staff_client.post("/admin/knowledge/knowledgedocument/add/", {
        "title": "Parking", "tags": "venue", "active": "on", "body": "One space.",
        "chunks-TOTAL_FORMS": "0", "chunks-INITIAL_FORMS": "0",
    })
    document = KnowledgeDocument.objects.get(title="Parking")
    response = staff_client.post(f"/admin/knowledge/knowledgedocument/{document.pk}/change/", {
        "title": "Parking", "source": document.source, "tags": "venue", "active": "on", "body": "Two spaces.",
        "chunks-TOTAL_FORMS": "0", "chunks-INITIAL_FORMS": "0",
    })
    assert response.status_code == 302, response.content[:2000]
    document.refresh_from_db()
    assert (document.version, document.body) == (2, "Two spaces.")
    assert staff_client.get("/admin/knowledge/knowledgedocument/").status_code == 200
