/* Doorstep resident chat widget. One tag in the host page, no framework, no build step:
 *
 *   <script src="https://doorstep.example.com/assets/widget.js" defer
 *           data-token="TOKEN_YOUR_BACKEND_MINTED"
 *           data-token-url="/portal/doorstep-token"   (optional: returns {"token": ...} when one expires)
 *           data-title="Questions about your rent?"></script>
 *
 * It speaks the chat protocol of /ws/chat (README, "The chat protocol"): hello with last_seq, events
 * numbered by seq (nothing shown twice, nothing skipped), messages acknowledged by client_id and resent
 * after a reconnect until acknowledged. It lives in a shadow root so the host page's styles and its own
 * never mix.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var origin = new URL(script.src, location.href);
  var config = {
    token: script.getAttribute("data-token") || "",
    tokenUrl: script.getAttribute("data-token-url") || "",
    server: script.getAttribute("data-server") ||
      (origin.protocol === "https:" ? "wss://" : "ws://") + origin.host + "/ws/chat",
    title: script.getAttribute("data-title") || "Chat with your leasing office",
  };
  var PENDING_KEY = "doorstep:pending";
  var money = new Intl.NumberFormat(undefined, { style: "currency", currency: "USD" });

  var state = {
    socket: null,
    lastSeq: 0,
    owner: "assistant",
    attempt: 0,
    retryTimer: null,
    pending: loadPending(),
    welcomed: false,
  };

  // --- the interface ------------------------------------------------------------------------------
  var host = document.createElement("div");
  host.setAttribute("data-doorstep-widget", "");
  var root = host.attachShadow({ mode: "open" });
  root.innerHTML =
    "<style>" + css() + "</style>" +
    '<button class="launcher" type="button" aria-expanded="false" aria-controls="ds-panel">' +
    '<svg aria-hidden="true" width="18" height="18" viewBox="0 0 24 24"><path fill="currentColor" ' +
    'd="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/></svg>' +
    '<span>Chat</span></button>' +
    '<section class="panel" id="ds-panel" role="dialog" aria-modal="false" aria-labelledby="ds-title" hidden>' +
    '<header><h2 id="ds-title"></h2><p class="status" role="status" aria-live="polite"></p>' +
    '<button class="close" type="button" aria-label="Close chat">×</button></header>' +
    '<div class="log" role="log" aria-live="polite" aria-relevant="additions" tabindex="0" aria-label="Conversation"></div>' +
    '<p class="typing" aria-live="polite" hidden>The assistant is typing…</p>' +
    '<form class="composer"><label for="ds-input" class="visually-hidden">Your message</label>' +
    '<textarea id="ds-input" rows="2" maxlength="4000" placeholder="Ask about your rent, fees or payments" required></textarea>' +
    '<div class="actions"><button type="button" class="person">Talk to a person</button>' +
    '<button type="submit" class="send">Send</button></div></form></section>';
  document.body.appendChild(host);

  var el = {
    launcher: root.querySelector(".launcher"),
    panel: root.querySelector(".panel"),
    title: root.querySelector("#ds-title"),
    status: root.querySelector(".status"),
    close: root.querySelector(".close"),
    log: root.querySelector(".log"),
    typing: root.querySelector(".typing"),
    form: root.querySelector(".composer"),
    input: root.querySelector("#ds-input"),
    person: root.querySelector(".person"),
  };
  el.title.textContent = config.title;

  el.launcher.addEventListener("click", function () { setOpen(el.panel.hidden); });
  el.close.addEventListener("click", function () { setOpen(false); el.launcher.focus(); });
  el.panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { setOpen(false); el.launcher.focus(); }
  });
  el.input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); el.form.requestSubmit(); }
  });
  el.form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = el.input.value.trim();
    if (!text) return;
    el.input.value = "";
    queue({ type: "message", client_id: newId(), text: text });
  });
  el.person.addEventListener("click", function () {
    queue({ type: "handoff", client_id: newId() });
    el.person.disabled = true;
  });

  function setOpen(open) {
    el.panel.hidden = !open;
    el.launcher.setAttribute("aria-expanded", String(open));
    if (open) {
      el.input.focus();
      if (!state.socket) connect();
    }
  }

  // --- the connection -----------------------------------------------------------------------------
  function connect() {
    clearTimeout(state.retryTimer);
    setStatus(state.attempt ? "Reconnecting…" : "Connecting…", "connecting");
    var socket = new WebSocket(config.server);
    state.socket = socket;
    socket.onopen = function () {
      socket.send(JSON.stringify({ type: "hello", token: config.token, last_seq: state.lastSeq }));
    };
    socket.onmessage = function (event) { receive(JSON.parse(event.data)); };
    socket.onclose = function (event) { closed(event.code); };
  }

  function closed(code) {
    state.socket = null;
    state.welcomed = false;
    el.typing.hidden = true;
    if (code === 4401) {
      refreshToken().then(function (ok) {
        if (ok) retry(0);
        else setStatus("Your session has ended. Reload the page to keep chatting.", "offline");
      });
      return;
    }
    retry(code === 4429 ? 60 : null);
  }

  function retry(seconds) {
    state.attempt += 1;
    var wait = seconds !== null ? seconds :
      Math.min(30, Math.pow(2, state.attempt - 1)) * (0.75 + Math.random() * 0.5);
    setStatus(navigator.onLine === false ? "Offline. Waiting for a connection…" :
      "Connection lost. Reconnecting in " + Math.max(1, Math.round(wait)) + " s…", "offline");
    state.retryTimer = setTimeout(connect, wait * 1000);
  }

  function refreshToken() {
    if (!config.tokenUrl) return Promise.resolve(false);
    return fetch(config.tokenUrl, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (!body || !body.token) return false;
        config.token = body.token;
        return true;
      })
      .catch(function () { return false; });
  }

  function send(frame) {
    if (state.socket && state.socket.readyState === WebSocket.OPEN && state.welcomed) {
      state.socket.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  function queue(frame) {
    state.pending.push(frame);
    savePending();
    if (frame.type === "message") showPendingMessage(frame);
    send(frame);
    if (!state.socket) connect();
  }

  // --- frames in ----------------------------------------------------------------------------------
  function receive(frame) {
    switch (frame.type) {
      case "welcome":
        state.welcomed = true;
        state.attempt = 0;
        setStatus("Connected", "online");
        setOwner(frame.owner, null, false);
        state.pending.forEach(send); // unacknowledged frames go again; the server knows their ids
        break;
      case "ack":
        state.pending = state.pending.filter(function (f) { return f.client_id !== frame.client_id; });
        savePending();
        break;
      case "message":
      case "reply":
      case "owner":
        if (frame.seq <= state.lastSeq) return; // already shown
        state.lastSeq = frame.seq;
        showEvent(frame);
        break;
      case "typing":
        el.typing.hidden = !frame.on;
        break;
      case "error":
        showNotice(frame.message, "error");
        break;
    }
  }

  function showEvent(frame) {
    if (frame.type === "message") {
      var existing = frame.client_id && el.log.querySelector('[data-client-id="' + cssEscape(frame.client_id) + '"]');
      if (existing) {
        existing.classList.remove("pending");
        existing.removeAttribute("data-client-id");
        existing.querySelector(".meta").textContent = "You · " + time(frame.at);
        return;
      }
      el.log.appendChild(bubble("resident", "You · " + time(frame.at), frame.text));
    } else if (frame.type === "reply") {
      var who = frame.from === "staff" ? (frame.staff_name || "Leasing office") : "Assistant";
      var node = bubble(frame.from, who + " · " + time(frame.at), frame.text);
      if (frame.citations && frame.citations.length) node.appendChild(citations(frame.citations));
      if (frame.card && frame.card.kind === "payment_plan") node.appendChild(planCard(frame.card));
      el.log.appendChild(node);
    } else {
      setOwner(frame.owner, frame.staff_name, true);
    }
    scrollDown();
  }

  function setOwner(owner, staffName, announce) {
    state.owner = owner;
    el.person.disabled = owner !== "assistant";
    el.person.textContent = owner === "assistant" ? "Talk to a person" :
      owner === "waiting" ? "A person will reply here" : "You're chatting with " + (staffName || "the office");
    if (!announce) return;
    var text = owner === "staff" ? (staffName || "Someone from the office") + " joined the conversation." :
      owner === "waiting" ? "We've asked a person from the office to reply here. The assistant can still help meanwhile." :
      "You're chatting with the assistant again.";
    showNotice(text, "owner");
  }

  // --- rendering ----------------------------------------------------------------------------------
  function bubble(kind, meta, text) {
    var item = document.createElement("div");
    item.className = "bubble " + kind;
    var label = document.createElement("p");
    label.className = "meta";
    label.textContent = meta;
    item.appendChild(label);
    item.appendChild(body(text));
    return item;
  }

  // Long replies (a balance with many open charges) show their first lines; the rest is one tap away.
  function body(text) {
    var lines = String(text).split("\n");
    var container = document.createElement("div");
    container.className = "text";
    if (lines.length <= 6) {
      container.textContent = text;
      return container;
    }
    var head = document.createElement("p");
    head.textContent = lines.slice(0, 4).join("\n");
    var more = document.createElement("details");
    var summary = document.createElement("summary");
    summary.textContent = "Show all " + (lines.length - 4) + " more lines";
    var rest = document.createElement("p");
    rest.textContent = lines.slice(4).join("\n");
    more.appendChild(summary);
    more.appendChild(rest);
    container.appendChild(head);
    container.appendChild(more);
    return container;
  }

  function citations(list) {
    var wrap = document.createElement("ul");
    wrap.className = "chips";
    wrap.setAttribute("aria-label", "Sources");
    list.forEach(function (c) {
      var li = document.createElement("li");
      var label = (c.title || "Document") + (c.section ? ", " + c.section : "") + (c.page ? ", p. " + c.page : "");
      var chip = document.createElement(c.url ? "a" : "span");
      chip.className = "chip";
      chip.textContent = label;
      if (c.url) {
        chip.href = new URL(c.url, origin).href;
        chip.target = "_blank";
        chip.rel = "noopener";
        chip.setAttribute("aria-label", "Open " + label + " (new tab)");
      }
      li.appendChild(chip);
      wrap.appendChild(li);
    });
    return wrap;
  }

  // A plan's card follows it: proposed (the office reviews it), offered (staff edited it: the resident
  // accepts or declines), active (approved), rejected. A later card for the same plan settles the earlier
  // ones: nothing is left on them to accept or decline.
  var PLAN_TITLES = { proposed: "Proposed payment plan", offered: "Payment plan offered by the office",
    active: "Active payment plan", rejected: "Payment plan not approved" };
  var PLAN_NOTES = { proposed: "The office reviews every plan before it starts.",
    offered: "Accept to start this plan, or decline it.",
    active: "Approved by the office. Pay each amount by its due date.",
    rejected: "The office couldn't approve this plan." };

  function planCard(card) {
    var status = Object.prototype.hasOwnProperty.call(PLAN_TITLES, card.status) ? card.status : "proposed";
    var planId = String(Number(card.plan_id));
    el.log.querySelectorAll('.card[data-plan-id="' + planId + '"] .actions').forEach(function (old) { old.remove(); });
    var box = document.createElement("div");
    box.className = "card";
    box.setAttribute("data-plan-id", planId);
    box.setAttribute("data-status", status);
    var title = document.createElement("p");
    title.className = "card-title";
    title.textContent = PLAN_TITLES[status] + " · " + money.format(card.total_cents / 100);
    var table = document.createElement("table");
    table.innerHTML = "<caption class=\"visually-hidden\">Payment schedule</caption>" +
      "<thead><tr><th scope=\"col\">Due</th><th scope=\"col\">Amount</th></tr></thead>";
    var tbody = document.createElement("tbody");
    card.installments.forEach(function (i) {
      var row = document.createElement("tr");
      var due = document.createElement("td");
      due.textContent = day(i.due_on);
      var amount = document.createElement("td");
      amount.textContent = money.format(i.amount_cents / 100);
      row.appendChild(due);
      row.appendChild(amount);
      tbody.appendChild(row);
    });
    table.appendChild(tbody);
    var note = document.createElement("p");
    note.className = "card-note";
    note.textContent = PLAN_NOTES[status];
    box.appendChild(title);
    box.appendChild(table);
    box.appendChild(note);
    if (status !== "proposed" && status !== "offered") return box;
    var actions = document.createElement("div");
    actions.className = "actions";
    ["accept", "decline"].forEach(function (decision) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = decision === "accept" ? "send" : "person";
      button.textContent = decision === "accept" ? "Accept" : "Decline";
      button.addEventListener("click", function () {
        queue({ type: "plan", client_id: newId(), plan_id: card.plan_id, decision: decision });
        actions.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
      });
      actions.appendChild(button);
    });
    box.appendChild(actions);
    return box;
  }

  function showPendingMessage(frame) {
    var node = bubble("resident pending", "You · sending…", frame.text);
    node.setAttribute("data-client-id", frame.client_id);
    el.log.appendChild(node);
    scrollDown();
  }

  function showNotice(text, kind) {
    var note = document.createElement("p");
    note.className = "notice " + kind;
    note.textContent = text;
    el.log.appendChild(note);
    scrollDown();
  }

  function setStatus(text, kind) {
    el.status.textContent = text;
    el.status.setAttribute("data-state", kind);
  }

  function scrollDown() { el.log.scrollTop = el.log.scrollHeight; }
  function time(iso) {
    var d = new Date(iso);
    return isNaN(d) ? "" : d.toLocaleTimeString(undefined, { hour: "numeric", minute: "2-digit" });
  }
  function day(iso) {
    var d = new Date(iso + "T12:00:00");
    return isNaN(d) ? iso : d.toLocaleDateString(undefined, { month: "short", day: "numeric", year: "numeric" });
  }
  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "c" + Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
  }
  function cssEscape(value) { return window.CSS && CSS.escape ? CSS.escape(value) : value.replace(/"/g, ""); }
  function loadPending() {
    try { return JSON.parse(sessionStorage.getItem(PENDING_KEY) || "[]"); } catch (e) { return []; }
  }
  function savePending() {
    try { sessionStorage.setItem(PENDING_KEY, JSON.stringify(state.pending)); } catch (e) { /* private mode */ }
  }

  function css() {
    return [
      ":host { all: initial; }",
      "* { box-sizing: border-box; font: 16px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; }",
      ".visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }",
      ".launcher { position: fixed; right: 16px; bottom: 16px; z-index: 2147483000; border: 0; border-radius: 999px;",
      "  display: inline-flex; align-items: center; gap: 8px; padding: 12px 18px; background: #0b5cad; color: #fff; font-weight: 600; cursor: pointer; box-shadow: 0 2px 8px rgba(0,0,0,.25); }",
      "button:focus-visible, a:focus-visible, textarea:focus-visible, .log:focus-visible, summary:focus-visible { outline: 3px solid #ffbf47; outline-offset: 2px; }",
      ".panel { position: fixed; inset: 0; z-index: 2147483001; display: flex; flex-direction: column; background: #fff; color: #1b1f24; }",
      ".panel[hidden] { display: none; }",
      "@media (min-width: 600px) { .panel { inset: auto 16px 80px auto; width: 380px; height: min(640px, calc(100vh - 100px));",
      "  border: 1px solid #c4ccd4; border-radius: 12px; box-shadow: 0 8px 24px rgba(0,0,0,.2); } }",
      "header { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 8px; padding: 10px 12px; background: #0b5cad; color: #fff; border-radius: inherit; border-bottom-left-radius: 0; border-bottom-right-radius: 0; }",
      "h2 { margin: 0; font-size: 1rem; font-weight: 600; flex: 1; }",
      ".status { margin: 0; order: 3; width: 100%; font-size: .85rem; }",
      ".close { background: transparent; color: #fff; border: 0; font-size: 1.5rem; line-height: 1; cursor: pointer; padding: 4px 8px; }",
      ".log { flex: 1; overflow-y: auto; padding: 12px; display: flex; flex-direction: column; gap: 10px; background: #f6f8fa; }",
      ".bubble { max-width: 88%; padding: 8px 12px; border-radius: 12px; background: #fff; border: 1px solid #d5dbe1; }",
      ".bubble.resident { align-self: flex-end; background: #0b5cad; color: #fff; border-color: #0b5cad; }",
      ".bubble.staff { border-color: #1d6b3a; }",
      ".bubble.pending { opacity: .8; }",
      ".meta { margin: 0 0 2px; font-size: .75rem; color: #4a5561; }",
      ".bubble.resident .meta { color: #e6eef7; }",
      ".text, .text p { white-space: pre-wrap; margin: 0; }",
      "summary { cursor: pointer; color: #0b5cad; margin-top: 4px; }",
      ".chips { list-style: none; margin: 6px 0 0; padding: 0; display: flex; flex-wrap: wrap; gap: 6px; }",
      ".chip { display: inline-block; font-size: .8rem; padding: 2px 8px; border-radius: 999px; background: #e8f0f9; color: #0a4a8c; text-decoration: none; border: 1px solid #b9cfe6; }",
      ".card { margin-top: 8px; border: 1px solid #c4ccd4; border-radius: 8px; padding: 8px; background: #fbfcfd; }",
      ".card-title { margin: 0 0 4px; font-weight: 600; }",
      ".card-note { margin: 6px 0; font-size: .85rem; color: #4a5561; }",
      "table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: 2px 4px; border-bottom: 1px solid #e1e6eb; }",
      ".notice { align-self: center; margin: 0; font-size: .85rem; color: #4a5561; text-align: center; }",
      ".notice.error { color: #a1260d; }",
      ".typing { margin: 0; padding: 0 12px 4px; font-size: .85rem; color: #4a5561; background: #f6f8fa; }",
      ".composer { padding: 8px; border-top: 1px solid #d5dbe1; background: #fff; }",
      "textarea { width: 100%; resize: none; border: 1px solid #8a96a3; border-radius: 8px; padding: 8px; color: #1b1f24; }",
      ".actions { display: flex; gap: 8px; justify-content: space-between; margin-top: 6px; }",
      ".send, .person { border-radius: 8px; padding: 8px 14px; cursor: pointer; font-weight: 600; }",
      ".send { background: #0b5cad; color: #fff; border: 1px solid #0b5cad; }",
      ".person { background: #fff; color: #0b5cad; border: 1px solid #0b5cad; }",
      "button:disabled { opacity: .65; cursor: default; }",
    ].join("\n");
  }
})();
