from django.urls import path

from . import apis

app_name = "messaging"

urlpatterns = [
    path("messages/", apis.MessageCreateApi.as_view(), name="message-create"),
    path("channels/ringcentral/sms/", apis.RingCentralSmsWebhookApi.as_view(), name="ringcentral-sms"),
    path("channels/ringcentral/voice/", apis.RingCentralVoiceWebhookApi.as_view(), name="ringcentral-voice"),
    path("channels/mailgun/inbound/", apis.MailgunInboundApi.as_view(), name="mailgun-inbound"),
    path("channels/meta/", apis.MetaWebhookApi.as_view(), name="meta"),
    path("channels/deliveries/", apis.DeliveryListApi.as_view(), name="delivery-list"),
    path("channels/deliveries/<int:pk>/retry/", apis.DeliveryRetryApi.as_view(), name="delivery-retry"),
]
