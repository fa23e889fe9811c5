from django.urls import path

from .apis import MessageCreateApi

app_name = "conversations"

urlpatterns = [
    path("messages/", MessageCreateApi.as_view(), name="message-create"),
]
