/* Leadline chat widget. Embed:
 *   <script src="https://HOST/widget.js" data-workspace="PUBLIC_KEY" async></script>
 * Plain JavaScript; everything lives in a shadow root so the host page's CSS cannot reach it.
 * data-mode="page" (+ data-target="element id") renders the full-page hosted chat instead. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src) return;
  var KEY = script.getAttribute("data-workspace");
  if (!KEY) { if (window.console) console.warn("Leadline: the script tag needs data-workspace"); return; }
  var PAGE = script.getAttribute("data-mode") === "page";
  var CHANNEL = PAGE ? "hosted_page" : "widget";
  var API = new URL(script.src, location.href).origin + "/widget/v1/" + encodeURIComponent(KEY);
  var STORE = "leadline:" + CHANNEL + ":" + KEY;
  var loaded = window.__leadline || (window.__leadline = {});
  if (loaded[STORE]) return; // the snippet was pasted twice
  loaded[STORE] = 1;

  // Storage can throw (blocked cookies, private modes): the widget then works for this page view only.
  function get(area, k) { try { return window[area].getItem(k); } catch (e) { return null; } }
  function put(area, k, v) {
    try { if (v == null) window[area].removeItem(k); else window[area].setItem(k, v); } catch (e) { /* ignore */ }
  }

  var CSS =
    ":host{all:initial!important;display:block!important;" + (PAGE ? "height:100%!important}" : "}") +
    ".root{all:initial;font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;" +
    "color:#1f2937;--accent:#4338ca;--accent-text:#fff}" +
    ".root *,.root *::before,.root *::after{box-sizing:border-box}" +
    ".launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;width:56px;height:56px;border:0;" +
    "border-radius:50%;background:var(--accent);color:var(--accent-text);cursor:pointer;" +
    "box-shadow:0 6px 20px rgba(0,0,0,.25);display:flex;align-items:center;justify-content:center;padding:0}" +
    ".launcher svg{width:26px;height:26px;fill:currentColor}" +
    ".badge{position:absolute;top:4px;right:4px;width:12px;height:12px;border-radius:50%;background:#ef4444;" +
    "border:2px solid #fff}" +
    ".panel{display:flex;flex-direction:column;background:#fff;overflow:hidden}" +
    ".float{position:fixed;right:20px;bottom:88px;z-index:2147483000;width:370px;max-width:calc(100vw - 24px);" +
    "height:560px;max-height:calc(100vh - 110px);border-radius:14px;box-shadow:0 12px 40px rgba(0,0,0,.28)}" +
    ".full{height:100%;max-width:760px;margin:0 auto;border-left:1px solid #e5e7eb;border-right:1px solid #e5e7eb}" +
    "[hidden]{display:none!important}" +
    ".head{display:flex;align-items:center;gap:8px;padding:12px 14px;background:var(--accent);color:var(--accent-text)}" +
    ".title{flex:1;margin:0;font-size:16px;font-weight:600;line-height:1.3}" +
    ".close{border:0;background:transparent;color:inherit;font-size:22px;line-height:1;width:36px;height:36px;" +
    "border-radius:8px;cursor:pointer;padding:0}" +
    ".notice{margin:0;padding:8px 14px;font-size:12px;color:#4b5563;background:#f9fafb;border-bottom:1px solid #e5e7eb}" +
    ".log{flex:1;overflow-y:auto;padding:14px;display:flex;flex-direction:column;gap:8px}" +
    ".msg{max-width:85%;padding:8px 12px;border-radius:12px;white-space:pre-wrap;overflow-wrap:anywhere;" +
    "font-size:14px;line-height:1.45}" +
    ".agent,.human{align-self:flex-start;background:#f3f4f6;color:#111827;border-bottom-left-radius:4px}" +
    ".human{background:#ecfdf5}" +
    ".visitor{align-self:flex-end;background:var(--accent);color:var(--accent-text);border-bottom-right-radius:4px}" +
    ".pending{opacity:.7}.failed{outline:2px solid #dc2626}" +
    ".who{display:block;font-size:11px;font-weight:600;color:#047857;margin-bottom:2px}" +
    ".sr{position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);border:0}" +
    ".typing{align-self:flex-start;padding:10px 12px;background:#f3f4f6;border-radius:12px;margin:0 14px 8px}" +
    ".typing i{display:inline-block;width:6px;height:6px;margin:0 2px;border-radius:50%;background:#6b7280;" +
    "animation:ll-b 1s infinite ease-in-out}" +
    ".typing i:nth-child(3){animation-delay:.15s}.typing i:nth-child(4){animation-delay:.3s}" +
    "@keyframes ll-b{0%,80%,100%{opacity:.3;transform:translateY(0)}40%{opacity:1;transform:translateY(-3px)}}" +
    "@media (prefers-reduced-motion:reduce){.typing i{animation:none}}" +
    ".error{margin:0 14px 8px;font-size:12px;color:#b91c1c}" +
    ".form{display:flex;gap:8px;padding:10px;border-top:1px solid #e5e7eb;align-items:flex-end}" +
    ".input{flex:1;resize:none;font:inherit;color:#111827;background:#fff;border:1px solid #d1d5db;" +
    "border-radius:10px;padding:8px 10px;min-height:40px;max-height:120px}" +
    ".send{border:0;border-radius:10px;background:var(--accent);color:var(--accent-text);font:inherit;" +
    "font-weight:600;padding:0 14px;height:40px;cursor:pointer}" +
    "button:focus-visible,.input:focus-visible,.log:focus-visible{outline:2px solid #f59e0b;outline-offset:2px}" +
    "@media (max-width:480px){.float{right:0;bottom:0;width:100vw;max-width:100vw;height:100%;max-height:100%;" +
    "border-radius:0}}";

  function boot() {
    function el(tag, attrs, parent, text) {
      var node = document.createElement(tag);
      for (var k in attrs) node.setAttribute(k, attrs[k]);
      if (text != null) node.textContent = text; // text only, never parsed as HTML: visitor and agent text is untrusted
      if (parent) parent.appendChild(node);
      return node;
    }

    // -- the DOM --------------------------------------------------------------------------------------
    var target = PAGE && document.getElementById(script.getAttribute("data-target") || "");
    var host = el("div", { "data-leadline": CHANNEL });
    var shadow = host.attachShadow({ mode: "open" });
    el("style", {}, shadow, CSS);
    var root = el("div", { "class": "root" }, shadow);
    var launcher, badge, closeBtn;
    if (!PAGE) {
      launcher = el("button", { "class": "launcher", type: "button", "aria-label": "Open chat",
        "aria-expanded": "false", "aria-controls": "ll-panel" }, root);
      var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
      svg.setAttribute("viewBox", "0 0 24 24");
      svg.setAttribute("aria-hidden", "true");
      var path = document.createElementNS("http://www.w3.org/2000/svg", "path");
      path.setAttribute("d", "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z");
      svg.appendChild(path);
      launcher.appendChild(svg);
      badge = el("span", { "class": "badge", hidden: "" }, launcher);
    }
    var panel = el("div", { id: "ll-panel", "class": "panel " + (PAGE ? "full" : "float"), role: "dialog",
      "aria-labelledby": "ll-title", "aria-describedby": "ll-notice" }, root);
    if (!PAGE) panel.hidden = true;
    var head = el("div", { "class": "head" }, panel);
    var title = el(PAGE ? "h1" : "h2", { id: "ll-title", "class": "title" }, head, "Chat");
    if (!PAGE) closeBtn = el("button", { "class": "close", type: "button", "aria-label": "Close chat" }, head, "\u00d7");
    // The consent wording is on screen before the agent can ask for an e-mail (SPEC G1).
    var notice = el("p", { id: "ll-notice", "class": "notice" }, panel);
    var log = el("div", { "class": "log", role: "log", "aria-live": "polite", "aria-label": "Conversation",
      tabindex: "0" }, panel);
    var typing = el("div", { "class": "typing", role: "status", hidden: "" }, panel);
    el("span", { "class": "sr" }, typing, "The assistant is typing");
    for (var d = 0; d < 3; d++) el("i", { "aria-hidden": "true" }, typing);
    var error = el("p", { "class": "error", role: "alert" }, panel);
    var form = el("form", { "class": "form" }, panel);
    el("label", { "for": "ll-input", "class": "sr" }, form, "Your message");
    var input = el("textarea", { id: "ll-input", "class": "input", rows: "1", maxlength: "4000",
      placeholder: "Type your message\u2026", autocomplete: "off" }, form);
    el("button", { "class": "send", type: "submit" }, form, "Send");
    (target || document.body).appendChild(host);

    // -- state --------------------------------------------------------------------------------------
    var token = get("localStorage", STORE);
    var starting = null, stream = null, retryDelay = 1000;
    var lastId = 0, known = {}, pending = {};

    function scroll() { log.scrollTop = log.scrollHeight; }

    function bubble(role, text, before) {
      var node = log.insertBefore(el("div", { "class": "msg " + role }), before || null);
      el("span", { "class": role === "human" ? "who" : "sr" }, node,
        role === "visitor" ? "You: " : role === "human" ? "Team" : "Assistant: ");
      el("span", {}, node, text);
      scroll();
      return node;
    }

    function show(m, live, before) {
      if (m.id > lastId) lastId = m.id;
      if (known[m.id]) return;
      known[m.id] = 1;
      var mine = m.client_id && pending[m.client_id];
      if (mine) { // our own message, echoed by the stream before the send returned
        mine.className = "msg visitor";
        delete pending[m.client_id];
        return;
      }
      bubble(m.role, m.text, before);
      if (m.role !== "visitor" && live) {
        typing.hidden = true;
        if (badge && panel.hidden) badge.hidden = false;
      }
    }

    function request(method, path, body) {
      var headers = { "Content-Type": "application/json" };
      if (token && method === "POST" && path === "/messages") headers.Authorization = "Bearer " + token;
      return fetch(API + path, { method: method, headers: headers, body: JSON.stringify(body), mode: "cors",
        credentials: "omit" }).then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (data) {
          if (!r.ok) { var e = new Error(data.detail || "HTTP " + r.status); e.status = r.status; throw e; }
          return data;
        });
      });
    }

    function start() {
      if (starting) return starting;
      starting = request("POST", "/session", { token: token, channel: CHANNEL }).catch(function (e) {
        if (e.status !== 401 || !token) throw e;
        token = null; // tampered, expired or another workspace's: begin a new session
        put("localStorage", STORE, null);
        return request("POST", "/session", { channel: CHANNEL });
      }).then(function (s) {
        token = s.token;
        put("localStorage", STORE, token);
        title.textContent = s.workspace.name;
        notice.textContent = s.consent_text;
        input.maxLength = s.max_chars || 4000;
        var first = log.firstChild; // messages typed while the session was starting stay below the history
        if (s.greeting) bubble("agent", s.greeting, first);
        for (var i = 0; i < s.history.length; i++) show(s.history[i], false, first);
        connect();
        return s;
      }, function (e) {
        starting = null;
        error.textContent = "The chat is unavailable right now (" + e.message + ").";
        throw e;
      });
      return starting;
    }

    // Server-Sent Events. EventSource reconnects by itself and sends Last-Event-ID; when the server
    // refuses a reconnect (restart, expired token) it gives up, so reconnect by hand with backoff.
    function connect() {
      if (stream) stream.close();
      stream = new EventSource(API + "/stream?token=" + encodeURIComponent(token) + "&after=" + lastId);
      stream.onopen = function () { retryDelay = 1000; };
      stream.onmessage = function (ev) {
        try { show(JSON.parse(ev.data), true); } catch (e) { /* not ours */ }
      };
      stream.onerror = function () {
        if (stream.readyState !== 2) return;
        stream = null;
        setTimeout(connect, retryDelay);
        retryDelay = Math.min(retryDelay * 2, 30000);
      };
    }

    function newId() {
      var b = new Uint8Array(12);
      (window.crypto || window.msCrypto).getRandomValues(b);
      return Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    }

    function send(text, cid, node, attempt) {
      typing.hidden = false;
      error.textContent = "";
      request("POST", "/messages", { text: text, client_message_id: cid }).then(function (r) {
        if (r.message) { known[r.message.id] = 1; if (r.message.id > lastId) lastId = r.message.id; }
        node.className = "msg visitor";
        delete pending[cid];
        if (r.reply) show(r.reply, true);
        typing.hidden = true;
      }, function (e) {
        // Network errors and server trouble are retried with the same id: the server answers a
        // repeated id with the original reply instead of running the turn twice.
        if ((!e.status || e.status >= 500) && attempt < 4) {
          error.textContent = "Connection problem, retrying\u2026";
          setTimeout(function () { send(text, cid, node, attempt + 1); }, 1000 * Math.pow(2, attempt));
          return;
        }
        typing.hidden = true;
        node.className = "msg visitor failed";
        delete pending[cid];
        error.textContent = "Your message was not sent: " + e.message;
        if (e.status === 401) { // the session is gone (e.g. a new data key): start a new one
        starting = token = null;
        put("localStorage", STORE, null);
        log.textContent = "";
        known = {};
        lastId = 0;
        start().catch(function () { /* shown in the panel */ });
      }
      });
    }

    function submit() {
      var text = input.value;
      if (!text.trim()) return;
      input.value = "";
      var cid = newId();
      var node = bubble("visitor", text);
      node.className = "msg visitor pending";
      pending[cid] = node;
      start().then(function () { send(text, cid, node, 0); }, function () {
        node.className = "msg visitor failed";
      });
    }

    // -- open, close, keyboard ------------------------------------------------------------------------
    function open() {
      panel.hidden = false;
      launcher.setAttribute("aria-expanded", "true");
      launcher.setAttribute("aria-label", "Close chat");
      badge.hidden = true;
      put("sessionStorage", STORE + ":open", "1");
      start().catch(function () { /* shown in the panel */ });
      input.focus();
      scroll();
    }

    function close() {
      panel.hidden = true;
      launcher.setAttribute("aria-expanded", "false");
      launcher.setAttribute("aria-label", "Open chat");
      put("sessionStorage", STORE + ":open", null);
      launcher.focus();
    }

    form.addEventListener("submit", function (e) { e.preventDefault(); submit(); });
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); submit(); }
    });
    if (PAGE) {
      start().catch(function () { /* shown in the panel */ });
      input.focus();
    } else {
      launcher.addEventListener("click", function () { if (panel.hidden) open(); else close(); });
      closeBtn.addEventListener("click", close);
      panel.addEventListener("keydown", function (e) { if (e.key === "Escape") { e.stopPropagation(); close(); } });
      if (get("sessionStorage", STORE + ":open")) open();
      else if (token) start().catch(function () { /* retried when opened */ }); // replies sent meanwhile light the badge
    }
  }

  // An async script can run before <body> (or the hosted page's target) exists.
  if (document.body) boot(); else document.addEventListener("DOMContentLoaded", boot);
})();
