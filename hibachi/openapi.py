"""The OpenAPI schema's error responses, and JSON error pages for the API.

Every API view can answer with DRF's error shapes: 400 (a validation error: fields and their messages, or a
`detail`), 401/403 (authentication and permissions), 404 (an id that does not exist, or an unknown API path), 405,
415 (a body that is not JSON/form), 429 (throttled) and 503 where a dependency is down. Views document their own
successes and the errors special to them; `error_responses` fills in these common ones so that clients (and
schemathesis in `make test`) can rely on the schema describing every status the API sends.
"""

from __future__ import annotations

from django.http import JsonResponse

ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "What went wrong, for a person to read."}},
    "required": ["detail"],
}
# A DRF validation error: {"field": ["message", ...], "non_field_errors": [...]} or {"detail": "..."}.
VALIDATION_ERROR = {
    "type": "object",
    "description": "Each invalid field with its messages (`non_field_errors` for the request as a whole), or `detail`.",
    "additionalProperties": {
        "oneOf": [
            {"type": "string"},
            {"type": "array", "items": {}},
            {"type": "object"},
        ],
    },
}
_COMMON = {
    "400": ("ValidationError", "The request is invalid: the fields and why."),
    "401": ("Error", "Authentication is missing or invalid."),
    "403": ("Error", "Authenticated, but not allowed to do this."),
    "404": ("Error", "No such object (or path)."),
    "405": ("Error", "This method is not allowed here."),
    "406": ("Error", "The Accept header asks for a format this endpoint cannot produce."),
    "415": ("Error", "The body's Content-Type is not one this endpoint parses."),
    "429": ("Error", "Throttled: too many requests; retry after the `Retry-After` header's seconds."),
}


def error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: add the common error responses to every operation that lacks them."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR)
    schemas.setdefault("ValidationError", VALIDATION_ERROR)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            wanted = {"401", "403", "405", "406", "429"}
            if operation.get("requestBody") or operation.get("parameters"):
                wanted.add("400")
            if operation.get("requestBody"):
                wanted.add("415")
            if "{" in path:
                wanted.add("404")
            responses = operation["responses"]
            for status in sorted(wanted - set(responses)):
                component, description = _COMMON[status]
                responses[status] = {
                    "description": description,
                    "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}},
                }
    return result


def api_not_found(request, exception=None):
    """404 for the whole site: JSON under /api/ (a client reads `detail`), Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found: no API endpoint at this path."}, status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def api_server_error(request):
    """500 for the whole site: JSON under /api/, Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Internal server error. It has been logged."}, status=500)
    from django.views.defaults import server_error

    return server_error(request)
