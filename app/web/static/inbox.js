// Doorstep staff inbox: plain JavaScript, no framework, no build step. Every value from the server is
// put in the page with textContent (never as HTML). State-changing requests carry the CSRF token.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const TABS = ["queue", "approvals", "canned", "payments", "collections", "digest"];
  const state = { me: null, csrf: "", queue: null, open: null, lastSeq: 0, socket: null, retry: 1000, canned: [] };

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  const dollars = (cents) => (cents < 0 ? "-" : "") + "$" + (Math.abs(cents) / 100).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const when = (iso) => new Date(iso).toLocaleString([], { month: "short", day: "numeric", hour: "numeric", minute: "2-digit" });
  function duration(seconds) {
    const minutes = Math.round(Math.abs(seconds) / 60); // rounded once: never "1 h 60 min"
    if (minutes < 60) return Math.max(1, minutes) + " min";
    if (minutes < 1440) return Math.floor(minutes / 60) + " h " + (minutes % 60) + " min";
    return Math.floor(minutes / 1440) + " d";
  }
  const say = (text) => { $("status").textContent = text; };

  async function api(method, path, body) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET") headers["X-CSRF-Token"] = state.csrf;
    const response = await fetch(path, { method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body) });
    if (response.status === 401 && path !== "/inbox/login") { showLogin(); throw new Error("Please sign in again."); }
    if (response.status === 204) return null;
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(typeof data.detail === "string" ? data.detail : "Request failed (" + response.status + ")");
    return data;
  }

  async function act(label, fn) {
    try { say(label + "…"); await fn(); say(label + ": done."); }
    catch (error) { say(label + " failed: " + error.message); }
  }

  // --- signing in ---------------------------------------------------------------------------------
  function showLogin() {
    state.me = null;
    if (state.socket) { state.socket.onclose = null; state.socket.close(); state.socket = null; }
    for (const id of ["tabs", "who", ...TABS.map((t) => t + "-tab")]) $(id).hidden = true;
    $("login").hidden = false;
    $("login-email").focus();
  }

  async function signedIn(me) {
    state.me = me; state.csrf = me.csrf_token;
    $("login").hidden = true; $("tabs").hidden = false; $("who").hidden = false;
    $("who-name").textContent = me.staff.name + " (" + me.staff.role + ")";
    document.querySelector('[data-tab="approvals"]').hidden = !me.permissions.includes("approvals");
    showTab("queue");
    connect();
    loadCanned();
  }

  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    $("login-error").textContent = "";
    try {
      const me = await api("POST", "/inbox/login", { email: $("login-email").value, password: $("login-password").value });
      $("login-password").value = "";
      await signedIn(me);
    } catch (error) { $("login-error").textContent = error.message; }
  });

  $("logout").addEventListener("click", () => act("Sign out", async () => { await api("POST", "/inbox/logout"); showLogin(); }));

  // --- tabs ---------------------------------------------------------------------------------------
  function showTab(name) {
    for (const button of document.querySelectorAll("[data-tab]")) button.setAttribute("aria-pressed", String(button.dataset.tab === name));
    for (const tab of TABS) $(tab + "-tab").hidden = tab !== name;
    if (name === "approvals") loadApprovals();
    if (name === "canned") renderCanned();
    if (name === "payments") loadPayments();
    if (name === "collections") loadCollections();
    if (name === "digest") loadDigest();
  }
  for (const button of document.querySelectorAll("[data-tab]")) button.addEventListener("click", () => showTab(button.dataset.tab));

  // --- the live socket ----------------------------------------------------------------------------
  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + "/ws/inbox");
    state.socket = socket;
    socket.onopen = () => {
      state.retry = 1000;
      sendWatch();
      if (state.open) socket.send(JSON.stringify({ type: "open", conversation_id: state.open, after_seq: state.lastSeq }));
    };
    socket.onmessage = (message) => {
      const frame = JSON.parse(message.data);
      if (frame.type === "queue") renderQueue(frame);
      else if (frame.type === "events" && frame.conversation_id === state.open) appendEvents(frame);
      else if (frame.type === "signed_out") showLogin();
      else if (frame.type === "error") say(frame.detail);
    };
    socket.onclose = (event) => {
      if (event.code === 4401) { showLogin(); return; }
      if (!state.me) return;
      say("Connection lost; reconnecting…");
      setTimeout(() => { if (state.me) connect(); }, state.retry);
      state.retry = Math.min(state.retry * 2, 30000);
    };
  }
  function send(frame) { if (state.socket && state.socket.readyState === WebSocket.OPEN) state.socket.send(JSON.stringify(frame)); }
  function sendWatch() { send({ type: "watch", property: $("filter-property").value || null, status: $("filter-status").value }); }
  $("filter-property").addEventListener("change", sendWatch);
  $("filter-status").addEventListener("change", sendWatch);
  $("filters").addEventListener("submit", (event) => event.preventDefault());

  // --- the queue ----------------------------------------------------------------------------------
  function renderQueue(queue) {
    const before = state.queue ? new Set(state.queue.items.map((i) => i.escalation_id)) : null;
    const added = before ? queue.items.filter((i) => !before.has(i.escalation_id)).length : 0;
    if (added) say(added + " new escalation" + (added > 1 ? "s" : "") + " in the queue.");
    state.queue = queue;
    const select = $("filter-property");
    if (select.options.length === 1) for (const [code, name] of queue.properties) select.append(el("option", { value: code }, name));
    $("approvals-count").textContent = queue.approvals ? String(queue.approvals) : "";
    const list = $("queue-list");
    const focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.escalation : null;
    list.replaceChildren(...queue.items.map(queueItem));
    $("queue-empty").hidden = queue.items.length > 0;
    if (focused) { const again = list.querySelector('[data-escalation="' + focused + '"]'); if (again) again.focus(); }
  }

  function slaText(item) {
    if (item.sla_state === "met") return "answered";
    if (item.sla_state === "none") return "no SLA";
    if (item.sla_state === "breached") return "SLA overdue by " + duration(item.sla_seconds_left);
    return "SLA in " + duration(item.sla_seconds_left);
  }

  function queueItem(item) {
    const button = el("button", {
      type: "button", class: "p-" + item.priority, "data-escalation": String(item.escalation_id),
      "aria-current": item.conversation_id && item.conversation_id === state.open ? "true" : "false",
      onclick: () => item.conversation_id ? openConversation(item.conversation_id) : say("This escalation has no conversation."),
    },
      el("span", { class: "meta" }, el("span", { class: "pill" }, item.priority),
        el("span", {}, item.reason.replaceAll("_", " ")), item.property_name ? el("span", {}, item.property_name) : null),
      el("strong", {}, item.resident_name || "Unknown resident", item.resident_ref ? " · " + item.resident_ref : ""),
      el("span", { class: "meta" },
        el("span", {}, "waiting " + duration(item.age_seconds)),
        el("span", { class: "sla-" + item.sla_state }, slaText(item)),
        el("span", {}, item.assigned_to ? "with " + item.assigned_to.name : "unclaimed"),
        item.channel ? el("span", {}, item.channel) : null),
      el("span", { class: "meta" }, item.summary.length > 140 ? item.summary.slice(0, 140) + "…" : item.summary));
    return el("li", {}, button);
  }

  // --- one conversation ---------------------------------------------------------------------------
  async function openConversation(id) {
    try {
      const view = await api("GET", "/inbox/api/conversations/" + encodeURIComponent(id));
      state.open = id; state.lastSeq = view.last_seq; state.view = view;
      renderConversation(view);
      send({ type: "open", conversation_id: id, after_seq: view.last_seq });
      if (state.queue) renderQueue(state.queue);
      $("queue-tab").classList.add("reading");
      $("conv-title").focus();
    } catch (error) { say(error.message); }
  }

  $("back").addEventListener("click", () => {
    state.open = null; send({ type: "close" });
    $("conversation").hidden = true; $("queue-tab").classList.remove("reading");
  });

  function renderOwner(owner, staff) {
    $("conv-owner").textContent = owner === "staff" ? "Staff have this conversation" + (staff ? " (" + staff.name + ")" : "") + ": the assistant is silent."
      : owner === "waiting" ? "Waiting for staff: the assistant still answers routine questions." : "The assistant is answering.";
    $("take-over").disabled = owner === "staff" && staff && state.me && staff.id === state.me.staff.id;
    $("hand-back").disabled = owner === "assistant";
  }

  function renderConversation(view) {
    $("conversation").hidden = false;
    $("conv-title").setAttribute("tabindex", "-1");
    $("conv-title").textContent = view.resident ? view.resident.name + " · " + view.resident.ref : view.conversation_id;
    renderOwner(view.owner, view.owner_staff);
    const base = "/inbox/api/conversations/" + encodeURIComponent(view.conversation_id) + "/export?format=";
    $("export-text").href = base + "text"; $("export-json").href = base + "json";
    $("transcript").replaceChildren(...view.events.map(eventItem));
    scrollTranscript();
    $("suggestion").textContent = view.suggested_reply;
    $("sms-note").hidden = view.channel !== "sms";
    $("sms-note").textContent = view.sms_bridge ? "Replies here are sent by text message." : "SMS conversation: replies are recorded, but no SMS bridge is installed to text them.";
    renderEscalations(view);
    renderBalance(view.balance);
    renderLease(view.lease);
  }

  function eventItem(event) {
    const who = event.role === "resident" ? "Resident" : event.role === "assistant" ? "Assistant" : event.role === "staff" ? (event.staff_name || "Staff") : "";
    return el("li", { class: event.role, "data-seq": String(event.seq) }, who ? el("span", { class: "who-said" }, who + " · " + when(event.at)) : null, event.text);
  }

  function appendEvents(frame) {
    const list = $("transcript");
    for (const event of frame.events) {
      if (event.seq <= state.lastSeq) continue;
      list.append(eventItem(event));
      state.lastSeq = event.seq;
    }
    renderOwner(frame.owner, frame.owner === "staff" ? (state.view && state.view.owner_staff) : null);
    scrollTranscript();
  }
  const scrollTranscript = () => { const list = $("transcript"); list.scrollTop = list.scrollHeight; };

  function renderEscalations(view) {
    const box = $("escalations");
    box.replaceChildren();
    if (!view.escalations.length) { box.append(el("p", { class: "muted" }, "No escalation.")); return; }
    for (const esc of view.escalations) {
      const section = el("div", { class: "stack" },
        el("p", { class: "meta" }, esc.priority + " · " + esc.reason.replaceAll("_", " ") + " · " + esc.status + (esc.assigned_to ? " · " + esc.assigned_to.name : "")),
        el("p", {}, esc.summary));
      if (esc.status === "resolved") {
        section.append(el("p", { class: "muted" }, "Resolved: " + (esc.resolution_note || "")));
      } else {
        const row = el("div", { class: "row" });
        row.append(el("button", { type: "button", onclick: () => act("Claim", async () => { await api("POST", "/inbox/api/escalations/" + esc.id + "/claim"); await openConversation(view.conversation_id); }) }, "Claim"));
        const pick = el("select", { "aria-label": "Assign to" }, el("option", { value: "" }, "Assign to…"));
        api("GET", "/inbox/api/staff").then((people) => { for (const p of people) pick.append(el("option", { value: String(p.id) }, p.name)); }).catch(() => {});
        pick.addEventListener("change", () => { if (pick.value) act("Assign", async () => { await api("POST", "/inbox/api/escalations/" + esc.id + "/assign", { staff_id: Number(pick.value) }); await openConversation(view.conversation_id); }); });
        row.append(pick);
        section.append(row);
        const form = $("resolve-template").content.firstElementChild.cloneNode(true);
        form.addEventListener("submit", (event) => {
          event.preventDefault();
          const note = form.querySelector("textarea").value.trim();
          if (!note) { say("A resolution note is required."); return; }
          act("Resolve", async () => { await api("POST", "/inbox/api/escalations/" + esc.id + "/resolve", { note }); await openConversation(view.conversation_id); });
        });
        section.append(form);
      }
      box.append(section);
    }
  }

  function renderBalance(balance) {
    const box = $("balance");
    box.replaceChildren();
    if (!balance) { box.append(el("p", { class: "muted" }, "No lease on file.")); return; }
    box.append(el("p", {}, el("strong", {}, "Balance " + dollars(balance.total_cents)), " as of " + balance.as_of));
    if (balance.next_due) box.append(el("p", {}, "Next due " + dollars(balance.next_due.amount_cents) + " on " + balance.next_due.due_on + "; late after " + balance.next_due.late_after));
    if (balance.pending_payments.length) box.append(el("p", {}, "Pending: " + balance.pending_payments.map((p) => dollars(p.amount_cents) + " (" + p.method + ", " + p.initiated_on + ")").join(", ")));
    const rows = balance.open_charges.map((c) => el("tr", {}, el("td", {}, c.date), el("td", {}, c.description), el("td", { class: "num" }, dollars(c.open_cents))));
    if (rows.length) box.append(el("table", {}, el("caption", { class: "visually-hidden" }, "Open charges"), el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Date"), el("th", { scope: "col" }, "Open charge"), el("th", { scope: "col", class: "num" }, "Open"))), el("tbody", {}, ...rows)));
    const recent = balance.recent_activity.slice(0, 8).map((e) => el("tr", {}, el("td", {}, e.effective_on), el("td", {}, e.description), el("td", { class: "num" }, dollars(e.amount_cents))));
    if (recent.length) box.append(el("details", {}, el("summary", {}, "Recent activity"), el("table", {}, el("tbody", {}, ...recent))));
  }

  function renderLease(lease) {
    const box = $("lease");
    box.replaceChildren();
    if (!lease) return;
    const terms = [["Lease", lease.ref + " · unit " + lease.unit], ["Rent", dollars(lease.rent_cents) + ", due day " + lease.due_day], ["Grace", lease.grace_days + " days"], ["Late fee", lease.late_fee_rule], ["NSF fee", dollars(lease.nsf_fee_cents)], ["Deposit", dollars(lease.deposit_cents)], ["Term", lease.start_on + " to " + (lease.end_on || "month to month")], ["Pays by", lease.accepted_methods.join(", ") + (lease.certified_funds_only ? " (certified funds only)" : "")]];
    for (const [k, v] of terms) box.append(el("dt", {}, k), el("dd", {}, v));
  }

  const conversationPath = (suffix) => "/inbox/api/conversations/" + encodeURIComponent(state.open) + suffix;
  $("take-over").addEventListener("click", () => act("Take over", async () => { await api("POST", conversationPath("/take-over")); await openConversation(state.open); }));
  $("hand-back").addEventListener("click", () => act("Hand back", async () => { await api("POST", conversationPath("/hand-back")); await openConversation(state.open); }));
  $("use-suggestion").addEventListener("click", () => { $("reply-text").value = $("suggestion").textContent; $("reply-text").focus(); });
  $("reply-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("reply-text").value.trim();
    if (!text) { say("Write a reply first."); return; }
    act("Send", async () => {
      const result = await api("POST", conversationPath("/reply"), { text });
      $("reply-text").value = "";
      if (result.sms === "not_sent") say("Recorded, but not texted: no SMS bridge is installed.");
    });
  });

  // --- canned replies -----------------------------------------------------------------------------
  async function loadCanned() {
    try { state.canned = await api("GET", "/inbox/api/canned-replies"); } catch (error) { state.canned = []; }
    const pick = $("canned-pick");
    pick.replaceChildren(el("option", { value: "" }, "Insert a canned reply…"), ...state.canned.map((c) => el("option", { value: String(c.id) }, c.title)));
    renderCanned();
  }
  function renderCanned() {
    $("canned-list").replaceChildren(...state.canned.map((c) => el("li", {}, el("strong", {}, c.title), el("p", {}, c.body))));
  }
  $("canned-pick").addEventListener("change", async () => {
    const id = $("canned-pick").value;
    if (!id || !state.open) return;
    try {
      const draft = await api("GET", conversationPath("/canned-replies/" + id));
      const box = $("reply-text");
      box.value = box.value ? box.value + "\n" + draft.text : draft.text;
      box.focus();
    } catch (error) { say(error.message); }
    $("canned-pick").value = "";
  });
  $("canned-form").addEventListener("submit", (event) => {
    event.preventDefault();
    act("Save canned reply", async () => {
      await api("POST", "/inbox/api/canned-replies", { title: $("canned-title-input").value, body: $("canned-body").value });
      $("canned-title-input").value = ""; $("canned-body").value = "";
      await loadCanned();
    });
  });

  // --- approvals ----------------------------------------------------------------------------------
  async function loadApprovals() {
    try {
      const items = await api("GET", "/inbox/api/approvals");
      $("approvals-list").replaceChildren(...items.map(approvalItem));
      $("approvals-empty").hidden = items.length > 0;
    } catch (error) { say(error.message); }
  }

  function approvalItem(item) {
    return item.kind === "outreach_draft" ? draftItem(item) : planItem(item);
  }

  // A message the collections ladder drafted, waiting under the property's rollout mode: it goes as
  // drafted, as edited here, or not at all (the reason stays on the draft).
  function draftItem(item) {
    const key = item.kind + "-" + item.id;
    const text = el("textarea", { rows: "6", maxlength: "5000", id: "text-" + key }, item.body || "");
    const reason = el("textarea", { rows: "2", maxlength: "300", id: "why-" + key });
    const decide = (action) => act(action === "edit" ? "Send edited" : action[0].toUpperCase() + action.slice(1), async () => {
      let message = "";
      if (action === "edit") message = text.value;
      if (action === "reject") {
        message = reason.value;
        if (!message.trim()) throw new Error("Write why this message should not go.");
      }
      await api("POST", "/inbox/api/approvals/" + item.kind + "/" + item.id, { action, message });
      await loadApprovals();
    });
    return el("li", {},
      el("h2", {}, item.title),
      el("p", { class: "meta" }, "Drafted " + item.created_on + " by the " + item.proposed_by + (item.resident_name ? " · to " + item.resident_name + " (" + item.resident_ref + ")" : "")),
      el("p", {}, item.note),
      item.subject ? el("p", {}, "Subject: " + item.subject) : null,
      el("label", { for: text.id }, item.channel === "sms" ? "Text message" : "Email"), text,
      el("label", { for: reason.id }, "Reason (required to reject; the resident is not told)"), reason,
      el("div", { class: "row" },
        el("button", { type: "button", onclick: () => decide("approve") }, "Approve as drafted"),
        el("button", { type: "button", class: "secondary", onclick: () => decide("edit") }, "Send edited"),
        el("button", { type: "button", class: "secondary", onclick: () => decide("reject") }, "Reject")));
  }

  function planItem(item) {
    const parts = item.installments.map((i) => el("li", {}, dollars(i.amount_cents) + " on " + i.due_on));
    const message = el("textarea", { rows: "2", maxlength: "2000", id: "msg-" + item.kind + "-" + item.id });
    const edits = el("textarea", { rows: "3", id: "edit-" + item.kind + "-" + item.id }, item.installments.map((i) => i.due_on + " " + (i.amount_cents / 100).toFixed(2)).join("\n"));
    const decide = (action) => act(action[0].toUpperCase() + action.slice(1), async () => {
      const body = { action, message: message.value };
      if (action === "edit") {
        body.installments = edits.value.split("\n").map((line) => line.trim()).filter(Boolean).map((line) => {
          const [day, amount] = line.split(/\s+/);
          return { due_on: day, amount_cents: Math.round(Number(amount) * 100) };
        });
      }
      if (action === "reject" && !message.value.trim()) throw new Error("Write the reason the resident will read.");
      await api("POST", "/inbox/api/approvals/" + item.kind + "/" + item.id, body);
      await loadApprovals();
    });
    return el("li", {},
      el("h2", {}, item.title + " · " + (item.resident_name || "") + (item.resident_ref ? " (" + item.resident_ref + ")" : "")),
      el("p", { class: "meta" }, "Proposed " + item.created_on + " by " + item.proposed_by + " · total " + dollars(item.total_cents) + (item.balance_cents !== null ? " · balance " + dollars(item.balance_cents) : "")),
      item.note ? el("p", {}, item.note) : null,
      el("ol", {}, ...parts),
      el("label", { for: edits.id }, "Edited installments (one per line: YYYY-MM-DD amount)"), edits,
      el("label", { for: message.id }, "Message to the resident (required to reject)"), message,
      el("div", { class: "row" },
        el("button", { type: "button", onclick: () => decide("approve") }, "Approve"),
        el("button", { type: "button", class: "secondary", onclick: () => decide("edit") }, "Offer edited plan"),
        el("button", { type: "button", class: "secondary", onclick: () => decide("reject") }, "Reject")),
      item.conversation_id ? el("button", { type: "button", class: "secondary", onclick: () => { showTab("queue"); openConversation(item.conversation_id); } }, "Open conversation") : null);
  }

  // --- payment exceptions (agents read; managers assign or dismiss) ------------------------------
  const canDecide = () => Boolean(state.me && state.me.permissions.includes("approvals"));

  async function loadPayments() {
    $("payments-role").textContent = canDecide() ? "Assigning posts the payment to the lease." : "A manager assigns or dismisses them.";
    try {
      const items = await api("GET", "/inbox/api/payments/exceptions?status=" + encodeURIComponent($("payments-status").value));
      $("payments-list").replaceChildren(...items.map(paymentItem));
      $("payments-empty").hidden = items.length > 0;
      if ($("payments-status").value === "open") $("payments-count").textContent = items.length ? String(items.length) : "";
    } catch (error) { say(error.message); }
  }
  $("payments-status").addEventListener("change", loadPayments);
  $("payments-filter").addEventListener("submit", (event) => event.preventDefault());

  function paymentItem(item) {
    const facts = [["Kind", item.kind], ["Status", item.status], ["Amount", item.amount_cents === null ? "unknown" : dollars(item.amount_cents)],
      ["Payment", (item.intent_ref || "none") + (item.payment_status ? " (" + item.payment_status + ")" : "")],
      ["Customer", item.customer_ref || "none"], ["Lease", item.lease_ref || "not matched"], ["Received", when(item.created_at)]];
    if (item.resolved_at) facts.push(["Closed", when(item.resolved_at) + " by " + (item.resolved_by || "?") + (item.resolution_note ? ": " + item.resolution_note : "")]);
    const dl = el("dl", { class: "terms" });
    for (const [k, v] of facts) dl.append(el("dt", {}, k), el("dd", {}, v));
    const card = el("li", { "data-exception": String(item.id) }, el("h2", {}, item.summary), dl);
    if (item.status === "open" && canDecide()) card.append(paymentActions(item));
    return card;
  }

  function paymentActions(item) {
    const lease = el("input", { id: "pay-lease-" + item.id, maxlength: "20", pattern: "[A-Za-z0-9\\-]+", autocomplete: "off" });
    const remember = el("input", { id: "pay-remember-" + item.id, type: "checkbox", checked: true, class: "check" });
    const note = el("input", { id: "pay-note-" + item.id, maxlength: "500", autocomplete: "off" });
    const assign = el("form", { class: "stack" },
      el("label", { for: lease.id }, "Assign to lease (its reference)"), lease,
      el("label", { for: remember.id, class: "inline" }, remember, " Remember this customer for this lease"),
      el("button", { type: "submit" }, "Assign and post"));
    assign.addEventListener("submit", (event) => {
      event.preventDefault();
      act("Assign payment", async () => {
        if (!lease.value.trim()) throw new Error("Name the lease.");
        await api("POST", "/inbox/api/payments/exceptions/" + item.id + "/assign", { lease_ref: lease.value.trim(), remember_customer: remember.checked });
        await loadPayments();
      });
    });
    const dismiss = el("form", { class: "stack" },
      el("label", { for: note.id }, "Dismiss, saying why"), note,
      el("button", { type: "submit", class: "secondary" }, "Dismiss"));
    dismiss.addEventListener("submit", (event) => {
      event.preventDefault();
      act("Dismiss payment", async () => {
        if (!note.value.trim()) throw new Error("Say why it is dismissed.");
        await api("POST", "/inbox/api/payments/exceptions/" + item.id + "/dismiss", { note: note.value.trim() });
        await loadPayments();
      });
    });
    return el("div", { class: "split" }, assign, dismiss);
  }

  // --- collections: readiness, what changed, risk, the legal queue (read-only) --------------------
  const words = (code) => String(code).replaceAll("_", " ");
  const percent = (p) => Math.round(p * 100) + "%";

  function table(caption, heads, rows, numeric) {
    const nums = new Set(numeric || []);
    return el("table", {},
      el("caption", {}, caption),
      el("thead", {}, el("tr", {}, ...heads.map((h, i) => el("th", { scope: "col", class: nums.has(i) ? "num" : null }, h)))),
      el("tbody", {}, ...rows.map((cells) => el("tr", {}, ...cells.map((c, i) => el(i === 0 ? "th" : "td", { scope: i === 0 ? "row" : null, class: nums.has(i) ? "num" : null }, c))))));
  }

  function reasonList(reasons) {
    if (!reasons.length) return "none";
    return el("ul", { class: "reasons" }, ...reasons.map((r) => el("li", {}, typeof r === "string" ? r : words(r.code) + ": " + r.detail)));
  }

  async function loadCollections() {
    const status = $("collections-status").value;
    try {
      const [body, legal] = await Promise.all([
        api("GET", "/inbox/api/collections/readiness" + (status ? "?status=" + encodeURIComponent(status) : "")),
        api("GET", "/inbox/api/collections/legal-queue"),
      ]);
      renderCollections(body, legal);
    } catch (error) { say(error.message); }
  }
  $("collections-status").addEventListener("change", loadCollections);
  $("collections-filter").addEventListener("submit", (event) => event.preventDefault());

  function renderCollections(body, legal) {
    const view = body.readiness;
    const risk = new Map(body.risk.leases.map((r) => [r.lease_id, r]));
    $("collections-run").textContent = view.run_on
      ? "Run of " + view.run_on + (view.previous_run_on ? ", compared with the run of " + view.previous_run_on : " (the first run)") + ". Risk: " + body.risk.note + "."
      : "Collections has not run yet: `doorstep collections run` classifies every account with a balance.";
    const classes = Object.keys(view.counts);
    const pick = $("collections-status");
    if (pick.options.length === 1) for (const c of classes) pick.append(el("option", { value: c }, words(c)));
    $("collections-counts").replaceChildren(table("Accounts by readiness class", ["Class", "Accounts"], classes.map((c) => [words(c), String(view.counts[c])]), [1]));
    const changes = view.changes.map((c) => [c.lease, c.change === "entered" ? "entered (now owes)" : c.change === "left" ? "left (no longer owes)" : c.change === "status" ? "changed class" : "other reasons",
      (c.before ? words(c.before) : "–") + " → " + (c.after ? words(c.after) : "–"), reasonList(c.reasons)]);
    $("collections-changes").replaceChildren(changes.length ? table("What changed since the previous run", ["Lease", "Change", "Class", "Reasons now"], changes) : el("p", { class: "muted" }, "Nothing changed."));
    const accounts = view.accounts.map((a) => {
      const r = risk.get(a.lease_id);
      const riskCell = r ? el("div", {}, el("span", { class: "band band-" + r.band }, r.band + " " + percent(r.probability)), el("details", {}, el("summary", {}, "Why"), reasonList(r.reasons))) : "not scored";
      return [a.lease, a.property, el("span", { class: "ready-" + a.status }, words(a.status)), dollars(a.balance_cents), dollars(a.short_cents), dollars(a.pending_cents), reasonList(a.reasons), riskCell];
    });
    $("collections-accounts").replaceChildren(accounts.length ? table("Accounts with a balance", ["Lease", "Property", "Class", "Balance", "Short", "Pending", "Reasons", "Late-payment risk"], accounts, [3, 4, 5]) : el("p", { class: "muted" }, "No accounts."));
    const queued = legal.map((s) => [s.lease, s.fired_on, s.period, dollars(s.short_cents), words(s.readiness)]);
    $("legal-queue").replaceChildren(queued.length ? table("Accounts in the legal queue", ["Lease", "Entered", "Period", "Short", "Class then"], queued, [3]) : el("p", { class: "muted" }, "No account is in the legal queue."));
  }

  // --- the manager digest -------------------------------------------------------------------------
  async function loadDigest() {
    try {
      state.digest = await api("GET", "/inbox/api/digest");
      const pick = $("digest-property");
      const chosen = pick.value;
      const pages = state.digest.properties.map((p) => [p.code, p.name]);
      if (state.digest.portfolio) pages.push(["all", "All properties"]);
      pick.replaceChildren(...pages.map(([code, name]) => el("option", { value: code }, name)));
      if (pages.some(([code]) => code === chosen)) pick.value = chosen;
      renderDigest();
    } catch (error) { say(error.message); }
  }
  $("digest-property").addEventListener("change", renderDigest);
  $("digest-filter").addEventListener("submit", (event) => event.preventDefault());

  function renderDigest() {
    const digest = state.digest;
    if (!digest) return;
    const code = $("digest-property").value;
    const page = code === "all" ? digest.portfolio : digest.properties.find((p) => p.code === code);
    if (!page) { $("digest-body").replaceChildren(el("p", { class: "muted" }, "No property.")); return; }
    $("digest-period").textContent = "Fees and escalations from " + digest.period_start + " to " + digest.period_end + "; balances as of " + digest.as_of + "; collections expected to " + digest.horizon_end + "." + (digest.risk.available ? "" : " " + digest.risk.note);
    const d = page.delinquency;
    const most = Math.max(1, ...d.buckets.map((b) => b.cents));
    const bars = el("table", { class: "bars" },
      el("caption", {}, "Delinquency by age of the open charge"),
      el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Days past due"), el("th", { scope: "col", class: "num" }, "Open"), el("th", { scope: "col", class: "num" }, "Leases"), el("th", { scope: "col" }, el("span", { class: "visually-hidden" }, "Chart")))),
      el("tbody", {}, ...d.buckets.map((b) => el("tr", { "data-bucket": b.bucket },
        el("th", { scope: "row" }, b.bucket), el("td", { class: "num" }, dollars(b.cents)), el("td", { class: "num" }, String(b.leases)),
        el("td", { class: "bar-cell", "aria-hidden": "true" }, el("span", { class: "bar", "data-width": String(Math.round((b.cents / most) * 100)) }))))));
    for (const bar of bars.querySelectorAll(".bar")) bar.style.width = bar.dataset.width + "%";
    const f = page.fees, pl = page.plans, e = page.escalations, x = page.expected;
    const figure = (label, value, id) => el("div", { class: "figure" }, el("dt", {}, label), el("dd", id ? { id } : {}, value));
    const block = (title, ...figures) => el("section", { class: "digest-block" }, el("h2", {}, title), el("dl", {}, ...figures));
    $("digest-body").replaceChildren(
      el("section", { class: "digest-block wide" }, el("h2", {}, "Delinquency"),
        el("p", {}, el("strong", { id: "digest-delinquent-total" }, dollars(d.total_cents)), " open on " + d.leases + " lease" + (d.leases === 1 ? "" : "s") + " of " + page.active_leases + " active"), bars),
      block("Fees posted", figure("Late fees", f.late_fees + " · " + dollars(f.late_fee_cents)), figure("Returned-payment fees", f.nsf_fees + " · " + dollars(f.nsf_fee_cents)), figure("Reversed", f.reversed + " · " + dollars(f.reversed_cents)), figure("Net", dollars(f.net_cents))),
      block("Payment plans", figure("Active, on track", String(pl.active)), figure("Broken", String(pl.broken)), figure("Still to collect", dollars(pl.remaining_cents)),
        ...(pl.broken_plans.length ? [figure("Broken plans", pl.broken_plans.map((b) => b.lease_ref + " (" + b.missed + " missed)").join(", "))] : [])),
      block("Escalations against SLA", figure("Open", String(e.open)), figure("Past the SLA", el("span", { class: e.breached ? "sla-breached" : "" }, String(e.breached))), figure("Within the SLA", String(e.waiting)), figure("Opened in the period", String(e.opened)), figure("Resolved in the period", String(e.resolved))),
      block("Expected collections", figure("Rent due", dollars(x.rent_due_cents) + " on " + x.leases_due + " leases"), figure(x.risk_weighted ? "Expected on time (risk-weighted)" : "Expected (in full)", dollars(x.expected_rent_cents)), figure("At risk", dollars(x.rent_at_risk_cents)), figure("Plan installments", x.installments + " · " + dollars(x.installments_cents)), figure("Expected in total", dollars(x.expected_total_cents), "digest-expected-total")),
      page.riskiest.length ? el("section", { class: "digest-block wide" }, el("h2", {}, "Riskiest leases"), table("Leases most likely to pay late", ["Lease", "Resident", "Risk", "Next due", "Reasons"], page.riskiest.map((r) => [r.lease_ref, r.resident_name || "", r.band + " " + percent(r.probability), dollars(r.next_due_cents) + " on " + r.next_due_on, reasonList(r.reasons)]))) : null);
  }

  // --- start --------------------------------------------------------------------------------------
  api("GET", "/inbox/api/me").then(signedIn).catch(() => showLogin());
})();
