from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from bookings.views import calendar_feed, payment_webhook
from monitoring.apis import HealthzApi
from monitoring.metrics import metrics_view
from messaging.views import home, unsubscribe

admin.site.site_header = "MyHibachi AI"
admin.site.site_title = "MyHibachi AI admin"
admin.site.index_title = "Conversations, bookings and learning"

# Unknown /api/ paths answer JSON like the rest of the API; other paths keep Django's pages.
handler404 = "hibachi.openapi.api_not_found"
handler500 = "hibachi.openapi.api_server_error"

urlpatterns = [
    path("", home, name="home"),
    path("healthz", HealthzApi.as_view(), name="healthz"),
    path("unsubscribe/<str:token>/", unsubscribe, name="unsubscribe"),
    path("metrics", metrics_view, name="metrics"),
    path("admin/", admin.site.urls),
    path("calendar/<str:token>.ics", calendar_feed, name="calendar-feed"),
    path("payments/<str:provider>/webhook/", payment_webhook, name="payment-webhook"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("nlu.urls")),
    path("api/v1/", include("messaging.urls")),
]
