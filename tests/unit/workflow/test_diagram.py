"""The workflow drawn: Mermaid text and a standalone SVG, with every step and every way between them."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from nurtureflow.workflow.diagram import edges_of, to_mermaid, to_svg
from nurtureflow.workflow.validate import validate_workflow

SVG = "{http://www.w3.org/2000/svg}"


def test_mermaid_names_every_step_and_labels_the_ways_out(cart_recovery: dict[str, Any]) -> None:
    text = to_mermaid(validate_workflow(cart_recovery, lambda t: True))
    assert text.startswith("flowchart TD\n")
    for step_id in cart_recovery["steps"]:
        assert f"s_{step_id.replace('-', '_')}" in text
    assert "s_clicked -->|timeout| s_offer" in text
    assert "s_offer -->|otherwise| s_offer_5" in text
    assert 's_wait_1h[/"wait-1h: wait PT1H"/]' in text


def test_svg_is_well_formed_with_a_box_per_step_and_an_arrow_per_edge(cart_recovery: dict[str, Any]) -> None:
    workflow = validate_workflow(cart_recovery, lambda t: True)
    root = ET.fromstring(to_svg(workflow))
    groups = {g.get("id") for g in root.iter(f"{SVG}g")}
    assert groups == {f"step-{s}" for s in cart_recovery["steps"]}
    assert len(list(root.iter(f"{SVG}polyline"))) == len(edges_of(workflow)) == 8


def test_text_from_the_document_is_escaped_in_the_svg(cart_recovery: dict[str, Any]) -> None:
    cart_recovery["name"] = "<script>alert(1)</script> & more"
    svg = to_svg(validate_workflow(cart_recovery, lambda t: True))
    assert "<script>" not in svg
    ET.fromstring(svg)
