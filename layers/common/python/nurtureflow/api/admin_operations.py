"""What each admin route says about itself in the OpenAPI document (``GET /openapi.json``).

Roles, security and the 401/403 answers are not repeated here: the document builder adds them from
``ROUTES``, the table the admin function authorises with.
"""

from __future__ import annotations

from typing import Any

from nurtureflow.api.openapi_parts import answer, body, failures, header, operation, query, ref

ISO_TIME = {"type": "string", "format": "date-time"}
_WORKFLOW_ID = "cart-recovery"
_SUMMARY_EXAMPLE = {
    "id": _WORKFLOW_ID,
    "name": "Abandoned cart recovery",
    "version": 3,
    "status": "active",
    "state_machine_arn": "arn:aws:states:eu-west-1:123456789012:stateMachine:nurtureflow-cart-recovery",
    "alias_arn": "arn:aws:states:eu-west-1:123456789012:stateMachine:nurtureflow-cart-recovery:live",
    "created_at": "2026-01-05T09:00:00+00:00",
    "updated_at": "2026-01-06T10:30:00+00:00",
}
_TEMPLATE_EXAMPLE = {
    "subject": "{{ contact.first_name or 'Hi' }}, you left something in your cart",
    "html": '<p>Your cart is waiting.</p><p><a href="https://shop.example/cart">Back to it</a></p>',
    "text": "Your cart is waiting: https://shop.example/cart",
}
_SEGMENT = {
    "all": [{"field": "contact.lifecycle_stage", "op": "eq", "value": "mql"}, {"in_list": "newsletter"}]
}
_BROADCAST_EXAMPLE = {
    "id": "b_0767416a6fd5407db32dcd9e",
    "name": "Spring sale",
    "template": "spring-sale",
    "segment": _SEGMENT,
    "send_at": "2026-03-20T09:00:00Z",
    "status": "scheduled",
    "counts": {"matched": 0, "sent": 0, "unconfirmed": 0, "skipped": {}, "skipped_total": 0, "failed": 0},
    "created_at": "2026-03-19T16:00:00+00:00",
}


def _object(required: list[str], properties: dict[str, Any], description: str = "") -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "required": required, "properties": properties}
    if description:
        schema["description"] = description
    return schema


# The named schemas of the admin routes; the builder adds them to components/schemas, together with
# the JSON Schemas of the pydantic models named in MODEL_SCHEMAS.
SCHEMAS: dict[str, dict[str, Any]] = {
    "WorkflowSummary": _object(
        ["id", "name", "version", "status", "state_machine_arn"],
        {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "version": {"type": "integer", "minimum": 1},
            "status": {
                "type": "string",
                "description": "`paused` (every new workflow), `active`, `archived`",
            },
            "state_machine_arn": {"type": "string"},
            "alias_arn": {"type": "string"},
            "created_at": ISO_TIME,
            "updated_at": ISO_TIME,
        },
        "A workflow's current version and status.",
    ),
    "Published": _object(
        ["id", "version", "status", "state_machine_arn"],
        {
            "id": {"type": "string"},
            "version": {"type": "integer", "minimum": 1},
            "status": {"type": "string"},
            "state_machine_arn": {"type": "string"},
        },
        "The version an upload published.",
    ),
    "SimulationJob": _object(
        ["id", "workflow", "version", "status", "progress", "settings", "created_at"],
        {
            "id": {"type": "string", "pattern": "^f_[0-9a-f]{24}$"},
            "workflow": {"type": "string"},
            "version": {"type": "integer", "minimum": 1, "description": "The version forecast."},
            "status": {"type": "string", "enum": ["running", "succeeded", "failed"]},
            "progress": {"type": "number", "minimum": 0, "maximum": 1, "description": "Share done."},
            "settings": {
                "type": "object",
                "description": "The settings asked for, with the seed and start fixed when the job began.",
            },
            "result": {
                "type": "object",
                "description": "Once `succeeded`: the forecast, as a 200 of the simulate route answers it.",
            },
            "error": {"type": "string", "description": "Once `failed`: why, and what to do."},
            "created_at": ISO_TIME,
            "updated_at": ISO_TIME,
        },
        "A forecast made as a job: kept for 7 days.",
    ),
    "Broadcast": _object(
        ["id", "status"],
        {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "template": {"type": "string"},
            "segment": {"type": "object"},
            "send_at": ISO_TIME,
            "status": {
                "type": "string",
                "enum": ["scheduled", "sending", "completed", "cancelled", "failed"],
            },
            "counts": {"type": "object"},
            "created_at": ISO_TIME,
        },
        "A one-off email to a segment, and its progress (docs/broadcasts.md).",
    ),
    "Template": _object(
        ["subject", "html"],
        {
            "id": {"type": "string"},
            "subject": {"type": "string"},
            "html": {"type": "string"},
            "text": {"type": ["string", "null"]},
            "kind": {"type": "string", "enum": ["email", "layout", "partial"]},
        },
        "An email template in Jinja2 (docs/templates.md).",
    ),
    "RenderedEmail": _object(
        ["subject", "html", "text"],
        {"subject": {"type": "string"}, "html": {"type": "string"}, "text": {"type": "string"}},
        "An email as a contact would get it.",
    ),
    "Issue": _object(
        ["pointer", "message"],
        {
            "pointer": {"type": "string", "description": "JSON Pointer into the document"},
            "message": {"type": "string"},
        },
        "One error in a workflow document.",
    ),
    "ScoringDocument": {
        "type": "object",
        "required": ["schema", "rules"],
        "properties": {"schema": {"const": "scoring/v1"}, "rules": {"type": "array"}},
        "description": "The lead-scoring rules in force (docs/scoring.md).",
    },
}
# Bodies that a pydantic model defines, named in components/schemas by the model's class name.
MODEL_SCHEMAS = (
    "nurtureflow.sending.templates:EmailTemplate",
    "nurtureflow.enrolment.manual:EnrolRequest",
    "nurtureflow.simulation.forecast:SimulationRequest",
    "nurtureflow.broadcasts.model:BroadcastBody",
    "nurtureflow.scoring.rules:ScoringRules",
)

# What the path parameters hold, with an example (a sample workflow and template of the catalog).
PATH_PARAMETERS = {
    "workflow_id": ("The workflow's id, its document's `id`.", _WORKFLOW_ID),
    "version": ("A version number, counted from 1.", "1"),
    "template_id": ("The template's id: letters, digits, `.`, `_` and `-`, up to 128.", "cart-reminder"),
    "broadcast_id": ("The id `POST /admin/broadcasts` answered.", "b_0767416a6fd5407db32dcd9e"),
    "simulation_id": ("The id a 202 of the simulate route answered.", "f_5c1f2e9a0b7d4c3e8f6a1b2c"),
    "contact": ("The contact's id, or its email address.", "ana@example.com"),
}
_OBJECT: dict[str, Any] = {"type": "object"}

SESSION = operation(
    "Who the token is",
    "The roles the bearer token holds and every admin operation they may call (`METHOD path`, "
    "paths as in this document). A role token holds one role; a person's sign-in token holds the "
    "groups they are in (`role` is the first of admin, marketer, finance). The console reads it to "
    "show each person what they may do; every route still checks the roles itself. `now` is the "
    "stack's clock (UTC), by which the console counts a report's \"this month\": the local stack's "
    "clock is virtual and may be days ahead of yours.",
    "session",
    {
        200: answer(
            "The role, what it may call, and the stack's time.",
            _object(
                ["role", "roles", "may", "now"],
                {
                    "role": {"type": "string", "enum": ["marketer", "finance", "admin"]},
                    "roles": {
                        "type": "array",
                        "items": {"type": "string", "enum": ["marketer", "finance", "admin"]},
                        "minItems": 1,
                    },
                    "may": {"type": "array", "items": {"type": "string"}},
                    "now": {"type": "string", "format": "date-time"},
                },
            ),
            {
                "role": "finance",
                "roles": ["finance"],
                "may": ["GET /admin/costs", "GET /admin/session", "GET /admin/workflows"],
                "now": "2026-12-04T09:30:00Z",
            },
        )
    },
)
WORKFLOW_SCHEMA = operation(
    "The workflow language's JSON Schema",
    "The JSON Schema (draft 2020-12) of a `workflow/v1` document, for editors and validators. "
    "It checks the shape; the upload also checks references, reachability and cycles.",
    "workflows",
    {200: answer("The schema.", _OBJECT, media_type="application/schema+json")},
)
SCORING_SCHEMA = operation(
    "The scoring rules' JSON Schema",
    "The JSON Schema (draft 2020-12) of a `scoring/v1` document, for editors and validators. "
    "It checks the shape; the upload also checks conditions, durations and duplicate ids.",
    "scoring",
    {200: answer("The schema.", _OBJECT, media_type="application/schema+json")},
)
VALIDATE_WORKFLOW = operation(
    "Validate and compile a workflow without saving it",
    "Answers 200 for any JSON: `valid` false with every error (each with its JSON Pointer) or true "
    "with the Amazon States Language definition it compiles to.",
    "workflows",
    {
        200: answer(
            "The verdict.",
            _object(
                ["valid", "errors", "definition"],
                {
                    "valid": {"type": "boolean"},
                    "errors": {"type": "array", "items": ref("Issue")},
                    "definition": {"type": ["object", "null"]},
                },
            ),
            {
                "valid": False,
                "errors": [{"pointer": "/steps/offer/next", "message": "no step is called 'x'"}],
                "definition": None,
            },
        ),
        **failures(400),
    },
    request_body=body(ref("Workflow"), "A `workflow/v1` document (docs/workflow-language.md)."),
)
_PAGING = [
    query(
        "limit",
        "At most this many, by id (1 to 1000); without it, all of them.",
        {"type": "integer", "minimum": 1, "maximum": 1000},
    ),
    query("after", "Go on after this id: the previous page's `next`.", {"type": "string"}),
]
_LIMIT = {"type": "integer", "minimum": 1, "maximum": 1000}
_NEXT = {"type": ["string", "null"], "description": "The `after` of the next page; null on the last."}
LIST_WORKFLOWS = operation(
    "List the workflows",
    "Every workflow's current version and status, archived ones included, by id; in pages with "
    "`limit` (and `after`, the previous page's `next`).",
    "workflows",
    {
        200: answer(
            "The workflows.",
            _object(
                ["workflows", "next"],
                {"workflows": {"type": "array", "items": ref("WorkflowSummary")}, "next": _NEXT},
            ),
            {"workflows": [_SUMMARY_EXAMPLE], "next": None},
        ),
        **failures(400),
    },
    parameters=_PAGING,
)
PUT_WORKFLOW = operation(
    "Upload a workflow",
    "Validates and compiles the document, then publishes it: 201 for a new workflow (it starts "
    "paused), 200 for a new version of an existing one (an active workflow stays active). The id in "
    "the path is the document's `id`. An invalid document is refused whole (422, every error with "
    "its JSON Pointer); an archived workflow takes no new version (409).",
    "workflows",
    {
        200: answer("A new version of an existing workflow.", ref("Published")),
        201: answer(
            "A new workflow, paused.",
            ref("Published"),
            {k: _SUMMARY_EXAMPLE[k] for k in ("id", "version", "status", "state_machine_arn")},
        ),
        **failures(400, 409, 422),
    },
    request_body=body(ref("Workflow"), "A `workflow/v1` document (docs/workflow-language.md)."),
)
GET_WORKFLOW = operation(
    "Read a workflow",
    "The current version with its document, its Amazon States Language definition, its versions "
    "and its status.",
    "workflows",
    {200: answer("The workflow.", ref("WorkflowSummary")), **failures(404)},
)
GET_WORKFLOW_VERSION = operation(
    "Read one version of a workflow",
    "A version's document and ASL, also after its Step Functions version was pruned "
    "(`pruned_at` then says when).",
    "workflows",
    {
        200: answer(
            "The version.",
            _object(
                ["id", "version", "document", "definition"],
                {
                    "id": {"type": "string"},
                    "version": {"type": "integer"},
                    "document": _OBJECT,
                    "definition": _OBJECT,
                    "pruned_at": {"type": ["string", "null"]},
                },
            ),
        ),
        **failures(400, 404),
    },
)
ARCHIVE_WORKFLOW = operation(
    "Archive a workflow",
    "No more enrolment, and every run in flight is stopped (`runs_stopped` counts them). The "
    "workflow can still be read; a repeat answers the same way.",
    "workflows",
    {
        200: answer(
            "The archived workflow.",
            {"allOf": [ref("WorkflowSummary"), {"properties": {"runs_stopped": {"type": "integer"}}}]},
            {**_SUMMARY_EXAMPLE, "status": "archived", "runs_stopped": 2},
        ),
        **failures(404),
    },
)
WORKFLOW_STATS = operation(
    "A workflow's stats per step",
    "Per step: entered, emails sent, skipped by reason, opened, clicked, exited by goal; and for the "
    "workflow: enrolled, conversions and revenue (docs/stats.md). All versions together, or one; all "
    "time, or what was counted on the days of a period (`from` and `to`, UTC days, both included; at "
    "most 366 days). `in_flight` is always the runs going now. A workflow with a holdout step has a "
    "`holdout` block: each group's contacts, buyers, orders and revenue, and the treated group's "
    "lift over the control group (conversion rate and revenue per contact) with a 95 % interval.",
    "workflows",
    {
        200: answer(
            "The stats.", _object(["id", "steps"], {"id": {"type": "string"}, "steps": {"type": "array"}})
        ),
        **failures(404, 422),
    },
    parameters=[
        query("version", "Only this version's counts.", {"type": "integer", "minimum": 1}),
        query("from", "First day of the period (with `to`).", {"type": "string", "format": "date"}),
        query("to", "Last day of the period (with `from`).", {"type": "string", "format": "date"}),
    ],
)
DIAGRAM = operation(
    "A workflow as a diagram",
    "JSON with both forms by default; `Accept: image/svg+xml` for the SVG alone, `Accept: text/plain` "
    "(or `text/vnd.mermaid`) for the Mermaid source alone.",
    "workflows",
    {
        200: {
            "description": "The diagram.",
            "content": {
                "application/json": {
                    "schema": _object(
                        ["mermaid", "svg"], {"mermaid": {"type": "string"}, "svg": {"type": "string"}}
                    )
                },
                "image/svg+xml": {"schema": {"type": "string"}},
                "text/plain": {"schema": {"type": "string"}},
            },
        },
        **failures(404),
    },
)
_STATUS_CHANGE = {
    200: answer("The workflow with its new status.", ref("WorkflowSummary")),
    **failures(404, 409),
}
ACTIVATE = operation(
    "Start enrolling",
    "Contacts enrol from now on (runs in flight go on). `backfilling` is true when a segment trigger "
    "with `include_existing` enrols the contacts that already match.",
    "workflows",
    {
        **_STATUS_CHANGE,
        200: answer(
            "The workflow, active.",
            {"allOf": [ref("WorkflowSummary"), {"properties": {"backfilling": {"type": "boolean"}}}]},
        ),
    },
)
PAUSE = operation("Stop enrolling", "No new enrolments; runs in flight go on.", "workflows", _STATUS_CHANGE)
ENROLL = operation(
    "Enrol contacts by hand",
    "For a workflow with a `manual` trigger, active: each contact by id or email. Unknown ones are "
    "listed, not enrolled; `id` makes a retry enrol nobody twice.",
    "workflows",
    {
        202: answer(
            "Queued.",
            _object(
                ["accepted", "contacts", "unknown", "id"],
                {
                    "accepted": {"type": "integer"},
                    "contacts": {"type": "array", "items": {"type": "string"}},
                    "unknown": {"type": "array", "items": {"type": "string"}},
                    "id": {"type": "string"},
                },
            ),
        ),
        **failures(400, 404, 409, 422),
    },
    request_body=body(
        ref("EnrolRequest"), "Whom to enrol.", {"contacts": ["ana@example.com"], "id": "import-42"}
    ),
)
_JOB_EXAMPLE = {
    "id": "f_5c1f2e9a0b7d4c3e8f6a1b2c",
    "workflow": _WORKFLOW_ID,
    "version": 3,
    "status": "running",
    "progress": 0.4,
    "settings": {"contacts": 50000, "days": 30, "seed": 1804289383, "start": "2026-12-07T09:00:00Z"},
    "created_at": "2026-12-04T16:00:00Z",
    "updated_at": "2026-12-04T16:01:12Z",
}
SIMULATE = operation(
    "Forecast a workflow",
    "Walks synthetic contacts through the current version in virtual time, with no email sent: the "
    "funnel per step and the AWS bill (docs/simulation.md). Every field is optional; no body means "
    "the defaults. Up to 2,000 contacts the forecast is answered at once (200) when it takes less "
    "than 25 seconds; a larger one (up to 100,000), one that takes longer, or a request with "
    "`Prefer: respond-async` becomes a job (202): `GET /admin/simulations/{simulation_id}` follows "
    "it to the same JSON.",
    "workflows",
    {
        200: answer(
            "The forecast.", _object(["workflow", "steps", "cost"], {"steps": _OBJECT, "cost": _OBJECT})
        ),
        202: answer("The forecast goes on as a job.", ref("SimulationJob"), {**_JOB_EXAMPLE, "progress": 0}),
        **failures(400, 404, 422),
    },
    request_body=body(
        ref("SimulationRequest"), "The simulation's settings.", {"contacts": 1000, "days": 30}, required=False
    ),
    parameters=[header("Prefer", "`respond-async`: make the forecast a job (202) whatever its size.")],
)
SIMULATION_JOB = operation(
    "A forecast job",
    "Its status and progress; once `succeeded`, its `result` is the forecast (the same JSON as a 200 "
    "of the simulate route); once `failed`, its `error` says why. Jobs are kept for 7 days.",
    "workflows",
    {200: answer("The job.", ref("SimulationJob"), _JOB_EXAMPLE), **failures(404)},
)
_REPORT_LINE = _object(
    ["from", "outcome", "note"],
    {
        "from": {"type": "string", "description": "A JSON Pointer in the journey."},
        "to": {"type": ["string", "null"], "description": "A JSON Pointer in the workflow, or null."},
        "outcome": {"type": "string", "enum": ["converted", "changed", "dropped"]},
        "note": {"type": "string"},
    },
)
IMPORT_PINPOINT = operation(
    "Import an Amazon Pinpoint journey",
    "`journey` as `aws pinpoint get-journey` or `create-journey` print it (with or without the outer "
    "key), `templates` a list of `get-email-template` outputs, `id` the workflow's id (optional). "
    "Checked against botocore's `pinpoint` shapes, every problem named by its JSON Pointer in the body "
    "(422, nothing saved); then the converted templates the workflow sends are stored (one stored "
    "already under the same id is kept) and the workflow is uploaded, paused: 201 new, 200 a new "
    "version. The report says what every activity and setting became (docs/pinpoint.md). A `CUSTOM` "
    "activity calling an HTTPS endpoint under one of the deployment's webhook connections becomes a "
    "webhook step (docs/webhooks.md).",
    "workflows",
    {
        **{
            status: answer(
                description,
                _object(
                    ["workflow", "templates", "report"],
                    {
                        "workflow": ref("Published"),
                        "templates": _object(
                            ["created", "kept"],
                            {
                                "created": {"type": "array", "items": {"type": "string"}},
                                "kept": {"type": "array", "items": {"type": "string"}},
                            },
                        ),
                        "report": _object(
                            ["activities_and_settings", "templates"],
                            {
                                "activities_and_settings": {"type": "array", "items": _REPORT_LINE},
                                "templates": {"type": "array", "items": _OBJECT},
                            },
                        ),
                    },
                ),
            )
            for status, description in (
                (200, "A new version of an existing workflow."),
                (201, "A new workflow, paused."),
            )
        },
        **failures(400, 422),
    },
    request_body=body(
        _object(
            ["journey"],
            {
                "journey": {
                    "type": "object",
                    "description": "The journey (JourneyResponse or WriteJourneyRequest).",
                },
                "templates": {"type": "array", "items": {"type": "object"}},
                "id": {"type": "string"},
            },
        ),
        "The journey and its email templates.",
        {
            "journey": {
                "Name": "Welcome",
                "StartActivity": "a",
                "Activities": {"a": {"EMAIL": {"TemplateName": "Hi"}}},
            },
            "templates": [],
        },
    ),
)
PUT_TEMPLATE = operation(
    "Upload an email template",
    "`{subject, html, text?, kind?}` in Jinja2; `text` is derived from `html` when absent. 201 when "
    "new, 200 when replaced; `warnings` names what the standard footer will add. A template that "
    "does not render is refused (422).",
    "templates",
    {
        200: answer(
            "Replaced.", {"allOf": [ref("Template"), {"properties": {"warnings": {"type": "array"}}}]}
        ),
        201: answer(
            "Created.", {"allOf": [ref("Template"), {"properties": {"warnings": {"type": "array"}}}]}
        ),
        **failures(400, 422),
    },
    request_body=body(ref("EmailTemplate"), "The template.", _TEMPLATE_EXAMPLE),
)
LIST_TEMPLATES = operation(
    "List the templates",
    "Every template (emails, layouts and partials) with its kind, subject and when it was last "
    "uploaded (`updated_at`: null for a template uploaded before this field existed), by id; in "
    "pages with `limit` (and `after`, the previous page's `next`).",
    "templates",
    {
        200: answer(
            "The templates.",
            _object(
                ["templates", "next"],
                {
                    "next": _NEXT,
                    "templates": {
                        "type": "array",
                        "items": _object(
                            ["id", "kind", "subject", "updated_at"],
                            {
                                "id": {"type": "string"},
                                "kind": {"type": "string", "enum": ["email", "layout", "partial"]},
                                "subject": {"type": ["string", "null"]},
                                "updated_at": {"type": ["string", "null"], "format": "date-time"},
                            },
                        ),
                    },
                },
            ),
            {
                "templates": [
                    {
                        "id": "cart-reminder",
                        "kind": "email",
                        "subject": "{{ contact.first_name }}, your cart is waiting",
                        "updated_at": "2026-12-01T09:30:00+00:00",
                    }
                ],
                "next": None,
            },
        ),
        **failures(400),
    },
    parameters=_PAGING,
)
GET_TEMPLATE = operation(
    "Read an email template",
    "As uploaded.",
    "templates",
    {200: answer("The template.", ref("Template")), **failures(404)},
)
PREVIEW = operation(
    "Preview a template for a contact",
    'The email as that contact would get it: `{"contact_id": id or email}` for a stored contact, or '
    '`{"contact": {fields}}` for a described one, with an optional `"event"`. Links are signed but '
    "record nothing.",
    "templates",
    {200: answer("The email.", ref("RenderedEmail")), **failures(400, 404, 422)},
    request_body=body(
        _object(
            [],
            {"contact_id": {"type": "string"}, "contact": _OBJECT, "event": _OBJECT},
        ),
        "Whom to render it for.",
        {"contact": {"email": "ana@example.com", "first_name": "Ana"}, "event": {"value": 35}},
    ),
)
CREATE_BROADCAST = operation(
    "Schedule a broadcast",
    "A one-off email to every contact matching `segment` (a condition) at `send_at` (default now): "
    "202 with its id and status; it is sent in paced batches (docs/broadcasts.md).",
    "broadcasts",
    {202: answer("Scheduled.", ref("Broadcast")), **failures(400, 422)},
    request_body=body(
        ref("BroadcastBody"),
        "The broadcast.",
        {
            "name": "Spring sale",
            "template": "spring-sale",
            "segment": _SEGMENT,
            "send_at": "2026-03-20T09:00:00Z",
        },
    ),
)
LIST_BROADCASTS = operation(
    "List the broadcasts",
    "Every broadcast with its status and counts, newest first, in pages of `limit` (50 unless "
    "given) and `after` (the previous page's `next`).",
    "broadcasts",
    {
        200: answer(
            "The broadcasts.",
            _object(
                ["broadcasts", "next"],
                {"broadcasts": {"type": "array", "items": ref("Broadcast")}, "next": _NEXT},
            ),
            {"broadcasts": [_BROADCAST_EXAMPLE], "next": None},
        ),
        **failures(400),
    },
    parameters=[
        query("limit", "At most this many, newest first (1 to 1000; 50 unless given).", _LIMIT),
        query("after", "Go on after this broadcast: the previous page's `next`.", {"type": "string"}),
    ],
)
COUNT_AUDIENCE = operation(
    "How many contacts a segment matches",
    "Counts the contacts a broadcast's `segment` matches now, as the broadcast would select them, "
    "before anything is sent. A large table is read for at most 20 seconds: `complete` is false "
    "then, and `matched` counts the first `scanned` contacts only. A segment a broadcast refuses "
    "is refused the same way (422).",
    "broadcasts",
    {
        200: answer(
            "The count.",
            _object(
                ["matched", "scanned", "complete"],
                {
                    "matched": {"type": "integer", "minimum": 0},
                    "scanned": {"type": "integer", "minimum": 0},
                    "complete": {"type": "boolean"},
                },
            ),
            {"matched": 1204, "scanned": 18750, "complete": True},
        ),
        **failures(400, 422),
    },
    request_body=body(
        _object(["segment"], {"segment": {"type": "object"}}), "The segment.", {"segment": _SEGMENT}
    ),
)
GET_BROADCAST = operation(
    "A broadcast's progress",
    "Its status and counts.",
    "broadcasts",
    {200: answer("The broadcast.", ref("Broadcast"), _BROADCAST_EXAMPLE), **failures(404)},
)
CANCEL_BROADCAST = operation(
    "Cancel a broadcast",
    "No more emails leave; those already sent stay sent. A repeat answers the same; a finished one "
    "answers 409.",
    "broadcasts",
    {200: answer("The broadcast, cancelled.", ref("Broadcast")), **failures(404, 409)},
)
COSTS = operation(
    "The cost report",
    "Pay-per-send costs between two days (inclusive, at most 366 days): emails, and US dollars by AWS "
    "service and in total, with the cost per email (docs/costs.md). `Accept: text/csv` for CSV, one "
    "line per row with the same columns. By workflow, the JSON rows also carry `budget` (a workflow "
    "with a monthly budget) and `lift` (a workflow whose holdout was reached in the range: incremental "
    "revenue, and incremental revenue per USD spent).",
    "costs",
    {
        200: {
            "description": "The report.",
            "content": {
                "application/json": {"schema": ref("CostReport")},
                "text/csv": {"schema": {"type": "string"}},
            },
        },
        **failures(400),
    },
    parameters=[
        query("from", "First day, YYYY-MM-DD.", {"type": "string", "format": "date"}, required=True),
        query("to", "Last day, YYYY-MM-DD.", {"type": "string", "format": "date"}, required=True),
        query("group_by", "One row per…", {"type": "string", "enum": ["workflow", "template", "day"]}),
    ],
)
EXPORT_CONTACT = operation(
    "Export everything held on a contact",
    "By the contact's id or email (GDPR access): properties, score, lists, consent, events, sends, runs.",
    "contacts",
    {
        200: answer("Everything held on the contact.", _object(["contact"], {"contact": _OBJECT})),
        **failures(404),
    },
)
ERASE_CONTACT = operation(
    "Erase a contact everywhere",
    "GDPR erasure by id or email: the contact, its events, sends and runs; running workflows are "
    "stopped. Once nothing is left a repeat answers 404.",
    "contacts",
    {
        200: answer(
            "What was erased, counted.",
            _object(["erased"], {"erased": {"type": "object", "additionalProperties": {"type": "integer"}}}),
        ),
        **failures(404),
    },
)
GET_SCORING = operation(
    "The lead-scoring rules",
    "The rules in force (`default` is true until rules are uploaded).",
    "scoring",
    {200: answer("The rules.", ref("ScoringDocument"))},
)
PUT_SCORING = operation(
    "Replace the lead-scoring rules",
    "Validated whole: 422 with every error, nothing saved.",
    "scoring",
    {200: answer("The rules now in force.", ref("ScoringDocument")), **failures(400, 422)},
    request_body=body(
        ref("ScoringRules"),
        "A `scoring/v1` document (docs/scoring.md).",
        {"schema": "scoring/v1", "rules": [{"id": "form", "event": "form_submitted", "points": 10}]},
    ),
)
