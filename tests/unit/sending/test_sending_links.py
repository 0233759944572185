"""Tracking links: rewriting keeps the document, every token signs its link, the pixel is added."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from nurtureflow.sending.links import (
    click_url,
    open_url,
    track_links,
    track_text_links,
    unsubscribe_url,
)
from nurtureflow.sending.tokens import verify, verify_kind
from nurtureflow.settings import TrackingSettings

SETTINGS = TrackingSettings(
    public_base_url="https://t.example.com/", link_keys={"k1": "secret"}, link_key_id="k1"
)
CLICK = re.compile(r"https://t\.example\.com/t/c/([\w-]+\.[\w-]+\.[\w-]+)", re.ASCII)
PIXEL_PREFIX = '<img src="https://t.example.com/t/o/'


def click_tokens(html: str) -> list[str]:
    return CLICK.findall(html)


def without_tracking(html: str) -> str:
    """The document with each click URL put back to a placeholder and the pixel removed."""
    html = re.sub(
        r'<img src="https://t\.example\.com/t/o/[^"]+" width="1" height="1" alt="" '
        r'style="display:none">',
        "",
        html,
    )
    return CLICK.sub("TRACKED", html)


DOCUMENT = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><style>a{color:red}</style>
<script>var s = '<a href="https://in.script/">';</script></head>
<BODY>
<p>Hello &amp; welcome <!-- <a href="https://in.comment/"> --></p>
<a href="https://shop.example/cart?a=1&amp;b=2" class="btn">Cart</a>
<a class=x HREF='http://plain.example/x'>Plain</a>
<a href=https://bare.example/y target=_blank>Bare</a>
<a href="mailto:help@example.com">Mail</a> <a href="tel:+331234">Call</a> <a href="#top">Top</a>
<a href="/relative">Relative</a> <a href="https://keep.example/" data-nf-notrack>Keep</a>
<a name="anchor">No href</a>
<a href="https://t.example.com/u/abc.k1.def">Unsubscribe</a>
</BODY></html>
"""


def test_rewriting_changes_only_trackable_href_values_byte_for_byte() -> None:
    tracked = track_links(DOCUMENT, "s_1", SETTINGS)
    expected = (
        DOCUMENT.replace("https://shop.example/cart?a=1&amp;b=2", "TRACKED")
        .replace("http://plain.example/x", "TRACKED")
        .replace("href=https://bare.example/y", 'href="TRACKED"')
    )
    assert without_tracking(tracked.html) == expected
    assert tracked.links == [
        "https://shop.example/cart?a=1&b=2",
        "http://plain.example/x",
        "https://bare.example/y",
    ]


def test_every_rewritten_link_token_verifies_to_its_original_url() -> None:
    tracked = track_links(DOCUMENT, "s_1", SETTINGS)
    payloads = [verify_kind(token, SETTINGS.link_keys, "c") for token in click_tokens(tracked.html)]
    assert [p["u"] for p in payloads] == tracked.links
    assert {p["s"] for p in payloads} == {"s_1"}


def test_open_pixel_goes_right_before_the_closing_body_tag() -> None:
    tracked = track_links(DOCUMENT, "s_1", SETTINGS)
    _, after = tracked.html.split(PIXEL_PREFIX)
    assert after.split(">", 1)[1] == "</BODY></html>\n"
    token = after.split('"', 1)[0]
    assert verify_kind(token, SETTINGS.link_keys, "o") == {"k": "o", "s": "s_1"}


def test_open_pixel_is_appended_when_there_is_no_body_tag() -> None:
    tracked = track_links("<p>Hi</p>", "s_1", SETTINGS)
    assert tracked.html.startswith("<p>Hi</p>" + PIXEL_PREFIX)
    assert tracked.html.endswith('style="display:none">')


def test_urls_for_clicks_opens_and_unsubscribes_use_the_public_base_and_their_routes() -> None:
    assert click_url("https://a.example/", "s_1", SETTINGS).startswith("https://t.example.com/t/c/")
    assert open_url("s_1", SETTINGS).startswith("https://t.example.com/t/o/")
    unsubscribe = unsubscribe_url("s_1", SETTINGS)
    assert unsubscribe.startswith("https://t.example.com/u/")
    token = unsubscribe.rsplit("/", 1)[1]
    assert verify_kind(token, SETTINGS.link_keys, "u") == {"k": "u", "s": "s_1"}


def test_bare_urls_of_the_text_part_are_rewritten_and_trailing_punctuation_kept() -> None:
    text = (
        "Finish your order (https://shop.example/cart?a=1&b=2). Or mail help@example.com, https://x.example/."
    )
    tracked = track_text_links(text, "s_1", SETTINGS)
    tokens = click_tokens(tracked)
    assert [verify(t, SETTINGS.link_keys)["u"] for t in tokens] == [
        "https://shop.example/cart?a=1&b=2",
        "https://x.example/",
    ]
    assert CLICK.sub("T", tracked) == "Finish your order (T). Or mail help@example.com, T."


def test_text_links_to_our_own_unsubscribe_route_are_left_alone() -> None:
    text = "Unsubscribe: https://t.example.com/u/abc.k1.def"
    assert track_text_links(text, "s_1", SETTINGS) == text


safe_text = st.text(alphabet=st.characters(exclude_characters="<>&\"'", exclude_categories=["Cs"]))


@given(
    before=safe_text, label=safe_text, after=safe_text, path=st.from_regex(r"[a-z0-9/]{0,20}", fullmatch=True)
)
def test_any_surrounding_text_is_kept_and_the_link_is_signed(
    before: str, label: str, after: str, path: str
) -> None:
    url = f"https://shop.example/{path}"
    document = f'{before}<a href="{url}">{label}</a>{after}'
    tracked = track_links(document, "s_9", SETTINGS)
    assert tracked.links == [url]
    assert without_tracking(tracked.html) == document.replace(url, "TRACKED")


def test_a_link_too_long_to_sign_is_left_untracked_and_the_email_still_renders() -> None:
    long_url = "https://shop.example/cart?items=" + "x" * 3000
    html = f'<p><a href="{long_url}">cart</a> <a href="https://shop.example/ok">ok</a></p>'
    tracked = track_links(html, "s_long", SETTINGS)
    assert long_url in tracked.html
    assert tracked.links == ["https://shop.example/ok"]


def test_a_link_built_from_contact_data_is_signed_percent_encoded_so_it_cannot_split_headers() -> None:
    # autoescape leaves CR, LF, spaces and quotes in an href: the redirect's Location must not.
    html = '<a href="https://shop.example/p?id=1\r\nSet-Cookie: pwned=1&x=&quot;<b>\u00e9">Shop</a>'
    (token,) = click_tokens(track_links(html, "s_1", SETTINGS).html)
    url = verify_kind(token, SETTINGS.link_keys, "c")["u"]
    assert url == "https://shop.example/p?id=1%0D%0ASet-Cookie:%20pwned=1&x=%22%3Cb%3E%C3%A9"
    assert click_url(url, "s_1", SETTINGS) == click_url(
        'https://shop.example/p?id=1\r\nSet-Cookie: pwned=1&x="<b>\u00e9', "s_1", SETTINGS
    )
