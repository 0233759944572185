"""A Pinpoint journey (``get-journey``'s ``JourneyResponse`` or ``create-journey``'s
``WriteJourneyRequest``) as a ``workflow/v1`` document, with a report of what each activity and
setting became (docs/pinpoint.md).

Each report line names the journey's pointer (``from``), the workflow's (``to``, None when nothing
took its place), its ``outcome`` (``converted``: same meaning; ``changed``: converted, and the
meaning differs as ``note`` says; ``dropped``: nothing took its place) and a ``note``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from nurtureflow.pinpoint.conditions import ConditionContext, convert_condition
from nurtureflow.pinpoint.shapes import PinpointInputError, Problem, pointer, problems
from nurtureflow.workflow.compiler import under
from nurtureflow.workflow.durations import parse_duration
from nurtureflow.workflow.models import moment_of

_NEXT_KEYS = ("NextActivity", "TrueActivity", "FalseActivity", "DefaultActivity")
# Activities of channels NurtureFlow does not send on: dropped, the journey still imports.
_OTHER_CHANNELS = {
    "SMS": "SMS messages are not sent by NurtureFlow (email only)",
    "PUSH": "push notifications are not sent by NurtureFlow (email only)",
    "ContactCenter": "contact-centre calls (Amazon Connect) are not made by NurtureFlow",
}


class JourneyInvalidError(PinpointInputError):
    """Not a journey Pinpoint would accept."""


@dataclass
class Imported:
    workflow: dict[str, Any]
    report: list[dict[str, Any]]
    templates: list[str]  # the Pinpoint email templates the workflow's email steps name


@dataclass
class _Build:
    activities: dict[str, Any]
    base: str  # the pointer of the journey object inside the input
    connections: dict[str, str] = field(default_factory=dict)  # webhook connection -> base URL
    step_of: dict[str, str] = field(default_factory=dict)  # activity id -> its step id
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)
    report: list[dict[str, Any]] = field(default_factory=list)

    def note(self, source: str, target: str | None, outcome: str, note: str) -> None:
        self.report.append({"from": self.base + source, "to": target, "outcome": outcome, "note": note})


def unwrap(document: Any) -> tuple[dict[str, Any], str, str]:
    """The journey object, the shape it is in, and its pointer in ``document``: with or without the
    outer key ``get-journey`` (``JourneyResponse``) or ``create-journey`` (``WriteJourneyRequest``)
    prints."""
    if not isinstance(document, dict):
        raise JourneyInvalidError([Problem("", "a journey is a JSON object")])
    for key in ("JourneyResponse", "WriteJourneyRequest"):
        if key in document and isinstance(document[key], dict):
            return document[key], key, pointer(key)
    if "Id" in document and "ApplicationId" in document:
        return document, "JourneyResponse", ""
    return document, "WriteJourneyRequest", ""


def import_journey(
    document: Any, workflow_id: str | None = None, connections: Mapping[str, str] | None = None
) -> Imported:
    """The workflow and the report, or ``JourneyInvalidError`` naming every problem.

    ``connections`` are the deployment's webhook connections (name -> base URL): a ``CUSTOM``
    activity whose ``DeliveryUri`` one of them covers becomes a webhook step."""
    journey, shape_name, base = unwrap(document)
    found = problems(journey, shape_name, base)
    if not found:
        found = _semantic_problems(journey, base)
    if found:
        raise JourneyInvalidError(found)
    build = _Build(journey.get("Activities") or {}, base, connections=dict(connections or {}))
    _name_steps(build)
    for activity_id, activity in build.activities.items():
        _convert_activity(build, activity_id, activity)
    # Paths are linked once every step exists: a path leads to an activity's first step.
    for activity_id in build.activities:
        _link(build, activity_id)
    start = _entry(build, journey.get("StartActivity"))
    workflow: dict[str, Any] = {
        "schema": "workflow/v1",
        "id": workflow_id or _slug(journey["Name"], 64) or "imported-journey",
        "name": journey["Name"][:200],
        "trigger": _trigger(build, journey.get("StartCondition")),
        "start": start,
        "steps": build.steps,
    }
    if start is None:
        build.note(
            "/StartActivity", None, "dropped", "no activity the journey starts with could be converted"
        )
    _settings(build, journey, workflow)
    templates = sorted({s["template"] for s in build.steps.values() if s.get("type") == "email"})
    return Imported(workflow, build.report, templates)


# -- checks Pinpoint makes beyond the shapes ----------------------------------------------------


def _semantic_problems(journey: dict[str, Any], base: str) -> list[Problem]:
    found: list[Problem] = []
    activities = journey.get("Activities") or {}
    start = journey.get("StartActivity")
    if start is not None and start not in activities:
        found.append(Problem(base + "/StartActivity", f"no activity is called {start!r}"))
    for activity_id, activity in activities.items():
        at = base + pointer("Activities", activity_id)
        kinds = [k for k in activity if k != "Description"]
        if len(kinds) != 1:
            found.append(Problem(at, "an activity has exactly one type (EMAIL, Wait, ConditionalSplit…)"))
            continue
        found += _references(activity[kinds[0]], f"{at}/{kinds[0]}", activities)
        found += _durations(activity[kinds[0]], f"{at}/{kinds[0]}")
        waiting = activity[kinds[0]].get("WaitTime") or {}
        if kinds[0] == "Wait" and len({"WaitFor", "WaitUntil"} & set(waiting)) != 1:
            found.append(Problem(f"{at}/Wait/WaitTime", "a wait has exactly one of WaitFor and WaitUntil"))
        if kinds[0] == "RandomSplit":
            total = sum(b.get("Percentage", 0) for b in activity["RandomSplit"].get("Branches") or [])
            if total != 100:
                found.append(
                    Problem(f"{at}/RandomSplit/Branches", f"the percentages add up to {total}, not 100")
                )
    found += _window_problems(journey, base)
    interval = (journey.get("Limits") or {}).get("EndpointReentryInterval")
    if interval is not None and not _is_duration(interval):
        found.append(Problem(base + "/Limits/EndpointReentryInterval", _DURATION))
    return found


_DURATION = "must be an ISO 8601 duration, such as PT1H or P3D (not '3d' or '1 hour')"
_CLOCK = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


def _window_problems(journey: dict[str, Any], base: str) -> list[Problem]:
    """Open hours are HH:MM spans that end after they start; closed days are date-time ranges."""
    found: list[Problem] = []
    for day, rules in ((journey.get("OpenHours") or {}).get("EMAIL") or {}).items():
        at = base + pointer("OpenHours", "EMAIL", day)
        if day not in _DAYS:
            found.append(Problem(at, f"a day is one of {', '.join(_DAYS)}"))
        for index, rule in enumerate(rules):
            start, end = rule.get("StartTime", ""), rule.get("EndTime", "")
            if not (_CLOCK.match(start) and _CLOCK.match(end)) or end <= start:
                found.append(
                    Problem(f"{at}/{index}", "StartTime and EndTime are HH:MM, the end after the start")
                )
    for index, rule in enumerate((journey.get("ClosedDays") or {}).get("EMAIL") or []):
        start, end = _loose_time(rule.get("StartDateTime")), _loose_time(rule.get("EndDateTime"))
        if start is None or end is None or end < start:
            at = base + pointer("ClosedDays", "EMAIL", index)
            found.append(
                Problem(at, "StartDateTime and EndDateTime are ISO 8601 date-times, the end after the start")
            )
    return found


def _loose_time(text: Any) -> datetime | None:
    """A Pinpoint date-time, with or without its offset."""
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        return None


def _references(value: Any, at: str, activities: dict[str, Any]) -> list[Problem]:
    """Every NextActivity (and its kin) inside an activity names an activity of the journey."""
    found: list[Problem] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in _NEXT_KEYS and isinstance(item, str) and item not in activities:
                found.append(Problem(f"{at}{pointer(key)}", f"no activity is called {item!r}"))
            else:
                found += _references(item, at + pointer(key), activities)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _references(item, f"{at}/{index}", activities)
    return found


def _durations(value: Any, at: str) -> list[Problem]:
    found: list[Problem] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "WaitFor" and not (isinstance(item, str) and _is_duration(item)):
                found.append(Problem(f"{at}/WaitFor", _DURATION))
            elif key == "WaitUntil" and not (isinstance(item, str) and _is_moment(item)):
                found.append(Problem(f"{at}/WaitUntil", _MOMENT))
            elif isinstance(item, dict | list):
                found += _durations(item, at + pointer(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _durations(item, f"{at}/{index}")
    return found


_MOMENT = "must be an ISO 8601 date and time with its offset, such as 2026-12-24T09:00:00Z"


def _is_moment(text: str) -> bool:
    try:
        moment_of(text)
    except ValueError:
        return False
    return True


def _is_duration(text: str) -> bool:
    try:
        parse_duration(text, allow_zero=True)
    except ValueError:
        return False
    return True


# -- activities ------------------------------------------------------------------------------------


def _slug(text: str, length: int) -> str:
    slug = re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-_")
    return slug[:length].rstrip("-_")


def template_id(name: str) -> str:
    """The NurtureFlow template id of a Pinpoint template name."""
    return _slug(name, 128) or "email"


def _name_steps(build: _Build) -> None:
    """A valid, unique step id for every activity id (lower case, ``-`` for anything else)."""
    taken: set[str] = set()
    for activity_id in build.activities:
        stem = _slug(activity_id, 56) or "step"
        candidate, n = stem, 2
        while candidate in taken:
            candidate, n = f"{stem}-{n}", n + 1
        taken.add(candidate)
        build.step_of[activity_id] = candidate


def _kind(activity: dict[str, Any]) -> str:
    return next(k for k in activity if k != "Description")


def _entry(build: _Build, activity_id: str | None, seen: frozenset[str] = frozenset()) -> str | None:
    """The step a path to ``activity_id`` leads to: its own first step, or, for a dropped activity,
    the step its own next activity leads to (None: the run ends there)."""
    if activity_id is None or activity_id in seen:
        return None
    activity = build.activities[activity_id]
    kind = _kind(activity)
    if kind in _OTHER_CHANNELS or build.step_of[activity_id] not in build.steps:
        # dropped (another channel, a CUSTOM no connection covers): the path goes on to its next
        return _entry(build, activity[kind].get("NextActivity"), seen | {activity_id})
    step = build.step_of[activity_id]
    return f"{step}-wait" if f"{step}-wait" in build.steps else step


def _convert_activity(build: _Build, activity_id: str, activity: dict[str, Any]) -> None:
    kind = _kind(activity)
    body, step = activity[kind], build.step_of[activity_id]
    source = pointer("Activities", activity_id, kind)
    if kind in _OTHER_CHANNELS:
        build.note(source, None, "dropped", _OTHER_CHANNELS[kind] + "; the path goes on to the next activity")
        return
    if kind == "CUSTOM":
        _custom(build, step, source, str(body.get("DeliveryUri") or ""))
        return
    if kind == "EMAIL":
        build.steps[step] = {"type": "email", "template": template_id(body.get("TemplateName") or "")}
        note = "an email step sending the converted template"
        if body.get("TemplateVersion"):
            note += f" (the template's current version; the journey named version {body['TemplateVersion']})"
        if (body.get("MessageConfig") or {}).get("FromAddress"):
            note += "; the step's FromAddress is not kept: every email goes from the stack's sender"
            build.note(source, f"/steps/{step}", "changed", note)
        else:
            build.note(source, f"/steps/{step}", "converted", note)
    elif kind == "Wait":
        waiting = body.get("WaitTime") or {}
        if "WaitUntil" in waiting:
            build.steps[step] = {"type": "wait", "until": waiting["WaitUntil"]}
            build.note(source, f"/steps/{step}", "converted", f"a wait until {waiting['WaitUntil']}")
        else:
            build.steps[step] = {"type": "wait", "for": waiting["WaitFor"]}
            build.note(source, f"/steps/{step}", "converted", f"a wait of {waiting['WaitFor']}")
    elif kind == "RandomSplit":
        paths = [
            {"percent": b.get("Percentage", 0), "next": b.get("NextActivity")}
            for b in body.get("Branches") or []
        ]
        build.steps[step] = {"type": "split", "paths": paths}
        build.note(source, f"/steps/{step}", "converted", "a split: the same shares, stable for each contact")
    elif kind == "Holdout":
        _holdout(build, step, source, int(body["Percentage"]), body.get("NextActivity"))
    elif kind in ("ConditionalSplit", "MultiCondition"):
        _split_on_conditions(build, activity_id, kind, body)


def _custom(build: _Build, step: str, source: str, uri: str) -> None:
    """A CUSTOM activity calling an HTTPS endpoint becomes a webhook step through the connection
    that covers it; a Lambda function, or an endpoint no connection covers, is dropped."""
    covering = sorted(
        (name for name, base in build.connections.items() if uri.startswith(under(base))),
        key=lambda name: -len(build.connections[name]),  # the most specific base URL
    )
    if uri.startswith("https://") and covering:
        build.steps[step] = {"type": "webhook", "connection": covering[0], "url": uri}
        note = (
            f"a webhook step calling {uri} through the connection '{covering[0]}'; the endpoint gets "
            "NurtureFlow's signed payload (docs/webhooks.md), not Pinpoint's, and MessageConfig.Data "
            "is not sent"
        )
        build.note(source, f"/steps/{step}", "changed", note)
        return
    if uri.startswith("arn:"):
        why = (
            "a Lambda function is not called by NurtureFlow: put an HTTPS endpoint in front of it and "
            "use a webhook step"
        )
    else:
        where = uri or "its DeliveryUri"
        why = f"no webhook connection of this deployment covers {where}: add one (docs/webhooks.md)"
    build.note(source, None, "dropped", why + "; the path goes on to the next activity")


def _holdout(build: _Build, step: str, source: str, share: int, treated: str | None) -> None:
    """Pinpoint's Holdout becomes the workflow's holdout step, whose lift the stats measure. The
    language has one holdout a workflow and a share of 1 to 99 %: a second holdout, or 100 %, is a
    split to an exit (its group is kept out but not measured), and 0 % holds no one out."""
    if 0 < share < 100 and not any(s.get("type") == "holdout" for s in build.steps.values()):
        build.steps[step] = {"type": "holdout", "percent": share, "next": treated}
        note = f"a holdout keeping {share} % of contacts out; stats compare them with the rest (lift)"
        build.note(source, f"/steps/{step}", "converted", note)
        return
    held = f"{step}-held-out"
    build.steps[held] = {"type": "exit"}
    build.steps[step] = {
        "type": "split",
        "paths": [{"percent": share, "next": f"#exit:{held}"}, {"percent": 100 - share, "next": treated}],
    }
    why = "the journey's second holdout" if 0 < share < 100 else f"a holdout of {share} %"
    note = f"{why}: a split sending {share} % of contacts to an exit, kept out but not measured"
    build.note(source, f"/steps/{step}", "changed", note)


def _split_on_conditions(build: _Build, activity_id: str, kind: str, body: dict[str, Any]) -> None:
    step = build.step_of[activity_id]
    source = pointer("Activities", activity_id, kind)
    waiting = body.get("EvaluationWaitTime") or {}
    window = waiting.get("WaitFor")
    if window is not None:
        build.steps[f"{step}-wait"] = {"type": "wait", "for": window, "next": step}
        note = f"a wait of {window} before the conditions are evaluated"
        build.note(source + "/EvaluationWaitTime", f"/steps/{step}-wait", "converted", note)
    elif "WaitUntil" in waiting:
        build.steps[f"{step}-wait"] = {"type": "wait", "until": waiting["WaitUntil"], "next": step}
        note = f"a wait until {waiting['WaitUntil']} before the conditions are evaluated"
        build.note(source + "/EvaluationWaitTime", f"/steps/{step}-wait", "converted", note)
    context = ConditionContext(build.step_of, build.activities, window)
    if kind == "ConditionalSplit":
        branches = [(body.get("Condition") or {}, body.get("TrueActivity"), "/Condition")]
        default = body.get("FalseActivity")
    else:
        branches = [
            (b.get("Condition") or {}, b.get("NextActivity"), f"/Branches/{i}/Condition")
            for i, b in enumerate(body.get("Branches") or [])
        ]
        default = body.get("DefaultActivity")
    cases = []
    for condition, target, at in branches:
        converted, notes = convert_condition(condition, context, combined=kind == "ConditionalSplit")
        for note in notes:
            build.note(source + at, f"/steps/{step}", "changed", note)
        if converted is not None:
            cases.append({"when": converted, "next": target})
    build.steps[step] = {"type": "branch", "cases": cases, "default": default}
    if cases:
        build.note(source, f"/steps/{step}", "converted", "a branch on live data")
    else:
        note = "no condition could be converted: every contact takes the default path"
        build.note(source, f"/steps/{step}", "changed", note)


def _link(build: _Build, activity_id: str) -> None:
    """Replace the activity ids in an activity's step by the steps their paths lead to."""
    built = build.steps.get(build.step_of[activity_id])
    if built is None:  # a dropped activity
        return

    def target(value: Any) -> Any:
        if isinstance(value, str) and value.startswith("#exit:"):  # a holdout's own exit step
            return value.removeprefix("#exit:")
        return _entry(build, value) if isinstance(value, str) else None

    if built["type"] == "holdout":  # the treated path, or the end of the run
        built["next"] = target(built["next"]) or _end_step(build)
    elif built["type"] == "split":
        built["paths"] = [{**p, "next": target(p["next"])} for p in built["paths"]]
        for path in built["paths"]:
            if path["next"] is None:
                path["next"] = _end_step(build)
    elif built["type"] == "branch":
        built["cases"] = [{**c, "next": target(c["next"]) or _end_step(build)} for c in built["cases"]]
        built["default"] = target(built["default"]) or _end_step(build)
    else:
        activity = build.activities[activity_id]
        nxt = _entry(build, activity[_kind(activity)].get("NextActivity"))
        if nxt is not None:
            built["next"] = nxt


def _end_step(build: _Build) -> str:
    """A step that ends the run (split paths and branches always name one): ``end``, or ``end-2``…
    when an activity already took that id."""
    name, n = "end", 2
    while name in build.steps and build.steps[name] != {"type": "exit"}:
        name, n = f"end-{n}", n + 1
    build.steps[name] = {"type": "exit"}
    return name


# -- the journey's settings ------------------------------------------------------------------------


def _trigger(build: _Build, start: dict[str, Any] | None) -> dict[str, Any]:
    event_start = (start or {}).get("EventStartCondition") or {}
    event_filter = event_start.get("EventFilter")
    if event_filter:
        values = ((event_filter.get("Dimensions") or {}).get("EventType") or {}).get("Values") or []
        if values:
            trigger: dict[str, Any] = {"event": values[0]}
            note = f"contacts enter on a tracked {values[0]!r} event (POST /v1/events)"
            if len(values) > 1:
                note += (
                    f"; the other event types ({', '.join(values[1:])}) do not enrol: one trigger, one event"
                )
            dims = event_filter.get("Dimensions") or {}
            if dims.get("Attributes") or dims.get("Metrics"):
                note += "; the event's attribute and metric filters are not kept"
            outcome = (
                "converted"
                if len(values) == 1 and not (dims.get("Attributes") or dims.get("Metrics"))
                else "changed"
            )
            build.note("/StartCondition/EventStartCondition", "/trigger", outcome, note)
            return trigger
    segment = (start or {}).get("SegmentStartCondition") or event_start.get("SegmentId")
    note = (
        "Pinpoint segments do not come over: contacts enter through POST /admin/workflows/{id}/enroll "
        "(or write the segment as a condition and use a segment trigger)"
    )
    build.note("/StartCondition", "/trigger", "changed" if segment else "dropped", note)
    return {"manual": True}


def _settings(build: _Build, journey: dict[str, Any], workflow: dict[str, Any]) -> None:
    settings: dict[str, Any] = {}
    if journey.get("LocalTime"):
        settings["timezone"] = "contact"
        build.note("/LocalTime", "/settings/timezone", "converted", "times are the contact's own")
    quiet = journey.get("QuietTime") or {}
    if quiet.get("Start") and quiet.get("End"):
        settings["quiet_hours"] = {"from": quiet["Start"], "to": quiet["End"]}
        skips = journey.get("WaitForQuietTime") is False
        note = "an email due in the quiet hours waits for their end"
        if skips:
            note += "; Pinpoint skipped it (WaitForQuietTime false): skipping is not offered yet"
        build.note("/QuietTime", "/settings/quiet_hours", "changed" if skips else "converted", note)
    limits = journey.get("Limits") or {}
    caps = _caps(build, limits)
    if caps:
        settings["frequency_caps"] = caps
    _reentry(build, limits, workflow)
    if "MessagesPerSecond" in limits:
        note = "the send rate is SES's account rate, shared by every workflow"
        build.note("/Limits/MessagesPerSecond", None, "dropped", note)
    window = _window(build, journey)
    if window:
        settings["sending_window"] = window
    for key, why in (
        ("Schedule", "the journey's start and end times are not kept: the workflow runs while it is active"),
        ("RefreshFrequency", "segments are not refreshed: contacts enter as the trigger says"),
        ("RefreshOnSegmentUpdate", "segments are not refreshed: contacts enter as the trigger says"),
        ("JourneyChannelSettings", "contact-centre settings do not apply to email"),
        ("TimezoneEstimationMethods", "a contact's timezone is its own timezone field"),
    ):
        if journey.get(key) not in (None, {}, []):
            build.note(f"/{key}", None, "dropped", why)
    if "State" in journey:
        note = "the workflow is uploaded paused, as every new workflow is: activate it when ready"
        build.note("/State", None, "changed", f"the journey was {journey['State']}; {note}")
    if settings:
        workflow["settings"] = settings


_DAYS = {"MONDAY": "mon", "TUESDAY": "tue", "WEDNESDAY": "wed", "THURSDAY": "thu", "FRIDAY": "fri",
         "SATURDAY": "sat", "SUNDAY": "sun"}  # fmt: skip


def _window(build: _Build, journey: dict[str, Any]) -> dict[str, Any]:
    """``OpenHours`` and ``ClosedDays`` of the EMAIL channel as the workflow's sending window."""
    window: dict[str, Any] = {}
    open_hours = (journey.get("OpenHours") or {}).get("EMAIL")
    if open_hours:
        window["hours"] = {
            _DAYS[day]: [{"from": r["StartTime"], "to": r["EndTime"]} for r in rules if r.get("StartTime")]
            for day, rules in open_hours.items()
            if day in _DAYS
        }
        note = "emails go only in these hours of each weekday; one due outside them waits for the next"
        build.note("/OpenHours/EMAIL", "/settings/sending_window/hours", "converted", note)
    closed = (journey.get("ClosedDays") or {}).get("EMAIL")
    if closed:
        window["closed"] = sorted({d for rule in closed for d in _dates(rule)})
        note = (
            "no email on the dates these closed periods touch (whole days: a closed morning closes the day)"
        )
        build.note("/ClosedDays/EMAIL", "/settings/sending_window/closed", "changed", note)
    for channel in ("OpenHours", "ClosedDays"):
        others = sorted(set(journey.get(channel) or {}) - {"EMAIL"})
        if others:
            build.note(f"/{channel}", None, "dropped", f"{', '.join(others)} rules do not apply to email")
    return window


def _dates(rule: dict[str, Any]) -> list[str]:
    """The dates a closed period touches (``_window_problems`` checked it reads)."""
    start = _loose_time(rule["StartDateTime"]) or datetime.min
    end = _loose_time(rule["EndDateTime"]) or start
    days = [(start + timedelta(days=n)).date().isoformat() for n in range((end - start).days + 1)]
    if end.date().isoformat() not in days and end.time() != datetime.min.time():
        days.append(end.date().isoformat())
    return days


def _caps(build: _Build, limits: dict[str, Any]) -> list[dict[str, Any]]:
    """Pinpoint's caps per participant as this workflow's frequency caps (settings.frequency_caps)."""
    caps: list[dict[str, Any]] = []
    wanted = [
        ("DailyCap", limits.get("DailyCap"), "P1D", "in any 24 hours"),
        ("TotalCap", limits.get("TotalCap"), None, "in all"),
    ]
    frame = limits.get("TimeframeCap") or {}
    if frame.get("Cap") and frame.get("Days"):
        wanted.append(("TimeframeCap", frame["Cap"], f"P{frame['Days']}D", f"in any {frame['Days']} days"))
    elif frame:
        build.note("/Limits/TimeframeCap", None, "dropped", "a timeframe cap needs both Cap and Days")
    for key, emails, within, said in wanted:
        if not emails:  # absent, or 0: Pinpoint's "no cap"
            continue
        caps.append({"emails": emails, **({"within": within} if within else {}), "scope": "workflow"})
        note = f"at most {emails} of this workflow's emails to a contact {said}"
        build.note(f"/Limits/{key}", f"/settings/frequency_caps/{len(caps) - 1}", "converted", note)
    return caps


def _reentry(build: _Build, limits: dict[str, Any], workflow: dict[str, Any]) -> None:
    cap, interval = limits.get("EndpointReentryCap"), limits.get("EndpointReentryInterval")
    if cap is None and interval is None:
        return
    if cap == 1:
        workflow["reentry"] = {"policy": "never"}
        build.note("/Limits/EndpointReentryCap", "/reentry", "converted", "a contact enters once")
        return
    workflow["reentry"] = {"policy": "after_exit", **({"cooldown": interval} if interval else {})}
    note = "a contact enters again once its run has ended" + (f", {interval} after" if interval else "")
    if cap not in (None, 0):
        note += f"; the cap of {cap} entries is not kept"
    build.note("/Limits", "/reentry", "changed" if cap not in (None, 0) else "converted", note)
