import factory
from django.utils import timezone

from conversations.models import ChannelIdentity, Conversation, Customer, Message


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    phone = factory.Sequence(lambda n: f"+1415555{n:04d}")


class ChannelIdentityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChannelIdentity

    customer = factory.SubFactory(CustomerFactory)
    channel = "web"
    external_id = factory.Sequence(lambda n: f"visitor-{n}")


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conversation

    customer = factory.SubFactory(CustomerFactory)
    channel = "web"


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    conversation = factory.SubFactory(ConversationFactory)
    channel = factory.SelfAttribute("conversation.channel")
    direction = Message.Direction.INBOUND
    author = Message.Author.CUSTOMER
    text = "How much for 20 adults?"
    sent_at = factory.LazyFunction(timezone.now)


class AIMessageFactory(MessageFactory):
    direction = Message.Direction.OUTBOUND
    author = Message.Author.AI
    text = "20 adults come to $1,100."
    agent = "sales"
    route = Message.Route.STUDENT
