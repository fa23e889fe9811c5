import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("nlu_model_dir")]

URL = "/api/v1/nlu/parse/"


@pytest.fixture
def token_client(django_user_model):
    user = django_user_model.objects.create_user(username="agent-ui", password="pw")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_parse_returns_intent_tone_sentiment_and_entities(token_client):
    response = token_client.post(URL, {"text": "how much for 20 adults next Saturday?", "reference_date": "2026-03-10"},
                                 format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert set(body) == {"intent", "intent_confidence", "tone", "sentiment", "entities", "acts", "act_confidences"}
    assert body["intent"] == "pricing_question"
    assert body["entities"] == {"adults": 20, "date": "2026-03-14"}
    assert "request_info" in body["acts"] and "inform" in body["acts"]


def test_reference_date_may_be_a_datetime(token_client):
    response = token_client.post(URL, {"text": "tomorrow", "reference_date": "2026-03-10T18:00:00-08:00"},
                                 format="json")
    assert response.status_code == 200
    assert response.json()["entities"]["date"] == "2026-03-11"


def test_upgrade_for_everyone_is_null_in_json(token_client):
    response = token_client.post(URL, {"text": "filet mignon for everyone"}, format="json")
    assert response.json()["entities"]["upgrades"] == {"filet_mignon": None}


def test_session_login_is_accepted(staff_client):
    response = staff_client.post(URL, {"text": "hello"}, content_type="application/json")
    assert response.status_code == 200


def test_missing_text_is_400_naming_the_field(token_client):
    response = token_client.post(URL, {}, format="json")
    assert response.status_code == 400
    assert "text" in response.json()


def test_blank_text_is_400(token_client):
    response = token_client.post(URL, {"text": "   "}, format="json")
    assert response.status_code == 400
    assert "text" in response.json()


def test_text_over_5000_characters_is_400(token_client):
    response = token_client.post(URL, {"text": "a" * 5001}, format="json")
    assert response.status_code == 400
    assert "text" in response.json()


def test_text_that_is_not_a_string_is_400(token_client):
    response = token_client.post(URL, {"text": 42}, format="json")
    assert response.status_code == 400
    assert "text" in response.json()


def test_bad_reference_date_is_400_naming_the_field(token_client):
    response = token_client.post(URL, {"text": "tomorrow", "reference_date": "next week"}, format="json")
    assert response.status_code == 400
    assert "reference_date" in response.json()


def test_anonymous_request_is_401():
    response = APIClient().post(URL, {"text": "hello"}, format="json")
    assert response.status_code == 401


def test_schema_documents_the_request_and_response():
    schema = SchemaGenerator(urlconf="nlu.urls").get_schema(request=None, public=True)
    operation = schema["paths"]["/nlu/parse/"]["post"]
    assert "NluParseInput" in str(operation["requestBody"])
    assert "NluParseOutput" in str(operation["responses"]["200"])


@pytest.mark.parametrize("reference_date", ["9999-12-31", "9999-12-31T23:59:59-08:00", "0001-01-01",
                                            "0001-01-01T00:00:00+14:00"])
def test_a_reference_date_at_the_calendars_ends_is_400_naming_the_field(token_client, reference_date):
    response = token_client.post(URL, {"text": "next Saturday in two weeks", "reference_date": reference_date},
                                 format="json")
    assert response.status_code == 400
    assert "reference_date" in response.json()
