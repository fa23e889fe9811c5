import factory

from conversations.tests.factories import AIMessageFactory, ConversationFactory
from learning.models import Feedback, SatisfactionSurvey


class FeedbackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Feedback

    message = factory.SubFactory(AIMessageFactory)
    kind = Feedback.Kind.THUMBS_UP


class SatisfactionSurveyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SatisfactionSurvey

    conversation = factory.SubFactory(ConversationFactory)
    understood = True
    tone_ok = True
    rating = 5
