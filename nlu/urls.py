from django.urls import path

from .apis import NluParseApi

app_name = "nlu"

urlpatterns = [
    path("nlu/parse/", NluParseApi.as_view(), name="nlu-parse"),
]
