/*! NurtureFlow tracker: page views, opt-in forms and cart events, batched, with no dependencies.
 *
 *  <script>window.nurtureflow = window.nurtureflow || [];</script>
 *  <script async src="API_URL/v1/tracker.js" data-site-key="SITE_KEY"></script>
 *
 *  API_URL is the stack's ApiUrl output (https://<id>.execute-api.<region>.amazonaws.com/<stage>, or
 *  the custom domain): events go to the same base the script came from, stage included.
 *
 *  nurtureflow.push(["identify", "ana@example.com", {first_name: "Ana"}]);
 *  nurtureflow.push(["track", "cta_clicked", {cta: "pricing"}]);
 *  nurtureflow.push(["cart", {value: 42, currency: "EUR", items: [{sku: "A1", quantity: 1}]}]);
 *  nurtureflow.push(["order", {value: 42, currency: "EUR", order_id: "1001"}]);
 *  <form data-nurtureflow-form="newsletter"> ... <input type="email" name="email">
 *        <input name="first_name" data-nurtureflow-trait="first_name"> ... </form>
 */
(function (window, document) {
  "use strict";
  var queued = window.nurtureflow;
  if (queued && queued.version) return; // loaded twice: the first copy serves

  var script = document.currentScript;
  var siteKey = script && script.getAttribute("data-site-key");
  var endpoint = (script && script.getAttribute("data-endpoint")) || (script ? apiBase(script.src) : "");
  var COOKIE = "nf_aid";
  var MAX_BATCH = 100; // the API's limit per post
  var FLUSH_AFTER_MS = 2000;
  var buffer = [];
  var timer = null;
  var identity = { email: null, traits: null };

  // The API's base URL: the script's own URL without "/v1/tracker.js", so a stage or a base path
  // in front of it (API Gateway's /<stage>) is kept.
  function apiBase(src) {
    var url = new URL(src);
    var path = url.pathname;
    var at = path.lastIndexOf("/v1/tracker.js");
    return url.origin + (at >= 0 ? path.slice(0, at) : "");
  }

  function randomId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  // The anonymous id lives in a first-party cookie for a year, so a visitor is the same across pages.
  function anonymousId() {
    var found = document.cookie.match(new RegExp("(?:^|; )" + COOKIE + "=([^;]+)"));
    if (found) return decodeURIComponent(found[1]);
    var id = randomId();
    var secure = location.protocol === "https:" ? "; Secure" : "";
    document.cookie = COOKIE + "=" + encodeURIComponent(id) + "; Max-Age=31536000; Path=/; SameSite=Lax" + secure;
    return id;
  }

  function record(type, properties, traits) {
    var event = {
      id: randomId(),
      type: type,
      anonymous_id: anonymousId(),
      properties: properties || {},
      occurred_at: new Date().toISOString()
    };
    if (identity.email) event.email = identity.email;
    if (traits) event.traits = traits;
    buffer.push(event);
    if (buffer.length >= MAX_BATCH) flush(false);
    else if (!timer) timer = setTimeout(function () { flush(false); }, FLUSH_AFTER_MS);
  }

  // text/plain and the key in the query string: a "simple" request, so no CORS preflight, and the
  // same request works through navigator.sendBeacon when the page is going away.
  function flush(leaving) {
    if (timer) { clearTimeout(timer); timer = null; }
    while (buffer.length) {
      var body = JSON.stringify({ batch: buffer.splice(0, MAX_BATCH) });
      var url = endpoint + "/v1/events?site_key=" + encodeURIComponent(siteKey || "");
      if (leaving && navigator.sendBeacon && navigator.sendBeacon(url, new Blob([body], { type: "text/plain" }))) continue;
      if (window.fetch) {
        fetch(url, { method: "POST", body: body, keepalive: true, headers: { "Content-Type": "text/plain" } })
          .catch(function () { /* tracking never breaks the page */ });
      }
    }
  }

  function pageView() {
    record("page_viewed", {
      url: location.href,
      path: location.pathname,
      title: document.title,
      referrer: document.referrer || null
    });
  }

  // Forms are tracked only when they opt in, and only their email and the fields marked as traits.
  function onSubmit(submitted) {
    var form = submitted.target;
    if (!form || !form.getAttribute || !form.hasAttribute("data-nurtureflow-form")) return;
    var email = form.querySelector("input[type=email], input[name=email]");
    var traits = {};
    Array.prototype.forEach.call(form.querySelectorAll("[data-nurtureflow-trait]"), function (field) {
      if (field.value) traits[field.getAttribute("data-nurtureflow-trait")] = field.value;
    });
    if (email && email.value) identity.email = email.value.trim();
    record("form_submitted", { form: form.getAttribute("data-nurtureflow-form") }, traits);
    flush(true); // the submit may navigate away
  }

  var api = {
    version: 1,
    identify: function (email, traits) {
      identity.email = email;
      record("identified", {}, traits || {});
      flush(false);
    },
    track: function (type, properties) { record(type, properties); },
    cart: function (cart) { record("cart_updated", cart); },
    order: function (order) { record("order_completed", order); flush(false); },
    page: pageView,
    flush: function () { flush(false); },
    push: function (call) { api[call[0]].apply(api, call.slice(1)); }
  };

  window.nurtureflow = api;
  document.addEventListener("submit", onSubmit, true);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") flush(true);
  });
  window.addEventListener("pagehide", function () { flush(true); });
  if (!(script && script.getAttribute("data-page-views") === "off")) pageView();
  (queued || []).forEach(function (call) { api.push(call); });
})(window, document);
