"""The sample data an uploaded template is rendered with: a realistic contact and event.

Realistic on purpose: a template that reads ``event.items`` or formats ``event.value`` as money
meets real shapes and types here, so its runtime errors surface at upload, not at send.
"""

from __future__ import annotations

from typing import Any

SAMPLE_CONTACT: dict[str, Any] = {
    "id": "c_sample0000000000000000",
    "email": "ana.garcia@example.com",
    "first_name": "Ana",
    "last_name": "García",
    "timezone": "Europe/Madrid",
    "locale": "es_ES",
    "score": 42,
    "lifecycle_stage": "lead",
    "score_updated_at": "2026-11-20T09:30:00+00:00",
    "properties": {"company": "Acme", "plan": "pro", "city": "Madrid", "signup_source": "webinar"},
    "lists": ["newsletter"],
    "unsubscribed": False,
    "suppressed": False,
    "anonymous_ids": [],
    "created_at": "2026-09-01T08:00:00+00:00",
    "updated_at": "2026-11-20T09:30:00+00:00",
}

SAMPLE_EVENT: dict[str, Any] = {
    "type": "cart_updated",
    "occurred_at": "2026-11-20T18:45:00Z",
    "properties": {
        "value": 129.5,
        "currency": "EUR",
        "cart_id": "cart_1234",
        "url": "https://shop.example/cart",
        "items": [
            {"name": "Trail boots", "sku": "BOOT-42", "price": 99.5, "quantity": 1},
            {"name": "Wool socks", "sku": "SOCK-3", "price": 15.0, "quantity": 2},
        ],
    },
}

SAMPLE_WORKFLOW: dict[str, Any] = {
    "id": "sample-workflow",
    "name": "Sample workflow",
    "version": 1,
    "step": "email",
}

SAMPLE_UNSUBSCRIBE_URL = "https://track.example/u/sample-token"


def sample_variables(postal_address: str) -> dict[str, Any]:
    """The sender's variables as an upload check renders them."""
    return {
        "workflow": SAMPLE_WORKFLOW,
        "unsubscribe_url": SAMPLE_UNSUBSCRIBE_URL,
        "preferences_url": SAMPLE_UNSUBSCRIBE_URL,
        "postal_address": postal_address,
    }
