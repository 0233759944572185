"""Which representation a client asked for, from its ``Accept`` header (RFC 9110, section 12.5.1)."""

from __future__ import annotations

CSV, JSON = "text/csv", "application/json"


def _quality(accept: str, media_type: str) -> float:
    """The weight ``accept`` gives ``media_type``: its own range first, then ``type/*``, then ``*/*``."""
    main = media_type.split("/")[0]
    best: tuple[int, float] = (-1, 0.0)  # (specificity, q)
    for element in accept.split(","):
        name, *params = (piece.strip() for piece in element.split(";"))
        name = name.lower()
        specificity = {media_type: 2, f"{main}/*": 1, "*/*": 0}.get(name)
        if specificity is None or specificity < best[0]:
            continue
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        best = (specificity, q)
    return best[1]


def prefers_csv(accept: str) -> bool:
    """CSV only when the client weighs it above JSON; JSON is the default (an absent header, ``*/*``)."""
    csv, json = _quality(accept, CSV), _quality(accept, JSON)
    return csv > 0 and csv > json
