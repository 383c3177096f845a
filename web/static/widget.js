/*
 * FITN7 axe 3 assistant: embeddable chat widget (vanilla JS, no build step, no dependency).
 *
 * Embed with one tag (attributes all optional):
 *   <script src="https://SERVER/static/widget.js" data-server="https://SERVER"
 *           data-departement="72" data-title="Assistant France Relance"></script>
 * data-theme="dsfr" is for State sites only (the page must load the DSFR CSS itself).
 * data-demo="true" marks a demonstration site (said on the printed summary); data-privacy-url is
 * the personal-data page linked above the messages (default SERVER/donnees-personnelles).
 *
 * Rules kept here: every user or bot string goes through textContent, never parsed as HTML;
 * links only for http(s) and mailto; the message list (role="log") and the "l'assistant écrit…"
 * status (role="status") exist from page load; each message starts with a visually hidden
 * speaker prefix; the conversation (random sender id + displayed history) lives in
 * sessionStorage so that a reload continues it.
 */
(function () {
  "use strict";
  if (window.__fitn7Widget) { return; }
  window.__fitn7Widget = true;

  var script = document.currentScript ||
    document.querySelector('script[src*="/static/widget.js"]');
  var scriptUrl = new URL(script.src, document.baseURI);
  var SERVER = (script.getAttribute("data-server") || scriptUrl.origin).replace(/\/+$/, "");
  var DEPARTEMENT = script.getAttribute("data-departement") || "";
  var TITLE = script.getAttribute("data-title") || "Assistant France Relance";
  var THEME = script.getAttribute("data-theme") === "dsfr" ? "dsfr" : "neutral";
  var DEMO = script.getAttribute("data-demo") === "true";
  var PRIVACY_URL = script.getAttribute("data-privacy-url") || SERVER + "/donnees-personnelles";
  var STATIC_BASE = new URL(".", scriptUrl).href;
  var STORE = "fitn7." + SERVER + ".";
  var TIMEOUT_MS = 60000;
  var MAX_HISTORY = 300;
  // While the servers start (issue 14 part 7): ask /healthz every STARTUP_POLL_MS, send the
  // message again once Rasa is ready (at most one message every STARTUP_RESEND_MS: the rate
  // limit), give up after STARTUP_MAX_MS with the usual "unavailable" error and its retry button.
  var STARTUP_POLL_MS = 2000;
  var STARTUP_RESEND_MS = 5000;
  var STARTUP_MAX_MS = 5 * 60 * 1000;

  var TXT = {
    open: "Poser une question à l'assistant",
    skip: "Accéder au tchat",
    close: "Fermer",
    closeHidden: " le tchat",
    restart: "Nouvelle conversation",
    label: "Votre message",
    send: "Envoyer",
    logLabel: "Messages de la conversation",
    you: "vous avez dit : ",
    bot: "l'assistant dit : ",
    typing: "L'assistant écrit…",
    retry: "Réessayer",
    unavailable: "L'assistant ne répond pas pour le moment (serveur injoignable). Votre message n'est pas perdu : réessayez dans quelques instants.",
    pendingAfterReload: "Votre dernier message n'a pas reçu de réponse.",
    empty: "Je n'ai pas de réponse à vous proposer. Pouvez-vous reformuler votre question ?",
    welcome: "Bonjour ! Je suis l'assistant du guichet départemental FITN7 axe 3 (France Relance). " +
      "Décrivez en quelques mots votre collectivité et votre projet numérique : je vous dirai s'il peut " +
      "être financé, par quel sous-axe, pour quel montant, et à qui vous adresser.",
    hint: "Avis indicatif : la décision revient au comité de sélection présidé par le préfet. N'écrivez pas de données personnelles sensibles.",
    quick: "Réponses proposées",
    downloaded: "Résumé téléchargé : ",
    starting: "L'assistant démarre… Votre message lui sera envoyé dès qu'il sera prêt.",
    privacy: "Vos messages sont conservés pour le suivi de votre demande, puis supprimés. ",
    privacyLink: "Vos données personnelles",
    print: "Imprimer / PDF",
    demoNotice: "Document établi sur un site de démonstration : la préfecture et ses contacts sont fictifs ; il n'a aucune valeur administrative.",
    indicative: "Avis indicatif : la décision revient au comité de sélection présidé par le préfet.",
  };
  // The words come from the engine's answer (eligibility_label, collectivity.label, sub_axis_label,
  // missing_labels): the widget has no table of labels of its own. Only the badge colour is here.
  var BADGE = { eligible: "success", not_eligible: "error", to_confirm: "warning" };

  // ---------- storage (sessionStorage, with an in-memory fallback) ----------
  var memory = {};
  function load(key, fallback) {
    var raw;
    try { raw = window.sessionStorage.getItem(STORE + key); } catch (e) { raw = memory[key]; }
    if (raw === null || raw === undefined) { return fallback; }
    try { return JSON.parse(raw); } catch (e) { return fallback; }
  }
  function save(key, value) {
    var raw = JSON.stringify(value);
    try { window.sessionStorage.setItem(STORE + key, raw); } catch (e) { memory[key] = raw; }
  }
  function newSender() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("");
  }

  var state = {
    sender: load("sender", null),
    history: load("history", []),
    open: load("open", false),
    pending: load("pending", null),
  };
  if (typeof state.sender !== "string" || !/^[0-9a-f]{32}$/.test(state.sender)) {
    state.sender = newSender();
    save("sender", state.sender);
  }
  if (!Array.isArray(state.history)) { state.history = []; }
  var busy = false;
  var startup = null;   // {since, lastPost} while waiting for the servers to start
  var uid = 0;
  var opener = null;
  var dom = {};

  // ---------- DOM helpers: text only ----------
  // issue 10: what would change a not_met / unknown finding (the engine's how_to_change), or null
  function howToChange(f) {
    if (!f || (f.status !== "not_met" && f.status !== "unknown")) { return null; }
    if (typeof f.how_to_change !== "string" || !f.how_to_change.trim()) { return null; }
    return el("p", { class: "fitn7-how-to-change", text: "Pour que cela change : " + f.how_to_change.trim() });
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (attrs[k] === null || attrs[k] === undefined || attrs[k] === false) { return; }
        if (k === "text") { node.textContent = attrs[k]; }
        else if (k === "class") { node.className = attrs[k]; }
        else { node.setAttribute(k, attrs[k] === true ? "" : String(attrs[k])); }
      });
    }
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) { return; }
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }
  function cls(neutral, dsfr) { return THEME === "dsfr" && dsfr ? neutral + " " + dsfr : neutral; }
  function nextId(prefix) { uid += 1; return "fitn7-" + prefix + "-" + uid; }

  function safeHref(raw) {
    if (typeof raw !== "string") { return null; }
    try {
      var url = new URL(raw.trim());
      if (url.protocol === "http:" || url.protocol === "https:" || url.protocol === "mailto:") { return url.href; }
    } catch (e) { /* not an absolute URL */ }
    return null;
  }
  function link(href, label, extraClass) {
    var safe = safeHref(href);
    if (!safe) { return document.createTextNode(label); }
    return el("a", { href: safe, class: cls("fitn7-link " + (extraClass || ""), "fr-link"), text: label });
  }

  // Bot text: plain text with [label](url), bare http(s) URLs, mailto: and e-mail addresses as links,
  // **bold** as <strong>. Anything else, HTML included, stays literal text.
  var TOKEN = /\[([^\]\n]{1,300})\]\(([^)\s]{1,2000})\)|(https?:\/\/[^\s<>"']+)|(mailto:[^\s<>"']+)|([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})|\*\*([^*\n]{1,300})\*\*/g;
  function appendRichText(parent, text) {
    var last = 0;
    var match;
    TOKEN.lastIndex = 0;
    while ((match = TOKEN.exec(text)) !== null) {
      var tail = "";
      var raw = match[0];
      if (match[3] || match[4]) {
        var trimmed = raw.replace(/[.,;:!?)»]+$/, "");
        tail = raw.slice(trimmed.length);
        raw = trimmed;
      }
      parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      if (match[1]) { parent.appendChild(link(match[2], match[1])); }
      else if (match[3]) { parent.appendChild(link(raw, raw)); }
      else if (match[4]) { parent.appendChild(link(raw, mailtoLabel(raw))); }
      else if (match[5]) { parent.appendChild(link("mailto:" + raw, raw)); }
      else if (match[6]) { parent.appendChild(el("strong", { text: match[6] })); }
      if (tail) { parent.appendChild(document.createTextNode(tail)); }
      last = match.index + match[0].length;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  // "mailto:a%40b.fr?subject=…&body=…" -> "a@b.fr (message prêt à envoyer)"
  function mailtoLabel(raw) {
    var parts = raw.slice(7).split("?");
    var address = parts[0];
    try { address = decodeURIComponent(address); } catch (e) { /* keep it encoded */ }
    if (parts.length > 1) { return (address ? address + " " : "") + "(message prêt à envoyer)"; }
    return address || raw;
  }

  function eur(amount) {
    if (typeof amount !== "number" || !isFinite(amount)) { return "montant à confirmer"; }
    var value = Math.round(amount * 100) / 100;
    var whole = Math.floor(value);
    var cents = Math.round((value - whole) * 100);
    var digits = String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, "\u202f");
    return digits + (cents ? "," + (cents < 10 ? "0" : "") + cents : "") + "\u00a0€";
  }
  function str(v) { return typeof v === "string" ? v : (typeof v === "number" ? String(v) : ""); }

  // ---------- building the widget ----------
  function build() {
    var root = el("div", { class: "fitn7-root fitn7-theme-" + THEME });

    dom.launcher = el("button", {
      type: "button", id: "fitn7-launcher", class: cls("fitn7-launcher", "fr-btn"),
      "aria-controls": "fitn7-panel", "aria-expanded": "false", text: TXT.open,
    });
    dom.title = el("h2", { id: "fitn7-title", class: "fitn7-title", text: TITLE });
    dom.restart = el("button", { type: "button", class: cls("fitn7-btn fitn7-btn--secondary", "fr-btn fr-btn--sm fr-btn--tertiary"), text: TXT.restart });
    dom.close = el("button", { type: "button", class: cls("fitn7-btn fitn7-btn--secondary", "fr-btn fr-btn--sm fr-btn--secondary") },
      [TXT.close, el("span", { class: "fitn7-sr", text: TXT.closeHidden })]);
    dom.log = el("div", {
      id: "fitn7-log", class: "fitn7-log", role: "log", "aria-live": "polite",
      "aria-relevant": "additions", tabindex: "0", "aria-label": TXT.logLabel,
    });
    dom.status = el("p", { id: "fitn7-status", class: "fitn7-status", role: "status" });
    dom.error = el("div", { id: "fitn7-error", class: "fitn7-error", role: "alert" });
    dom.input = el("input", {
      type: "text", id: "fitn7-input", name: "message", class: cls("fitn7-input", "fr-input"),
      autocomplete: "off", maxlength: "2000", "aria-describedby": "fitn7-hint",
    });
    dom.send = el("button", { type: "submit", class: cls("fitn7-btn fitn7-btn--primary", "fr-btn"), text: TXT.send });
    dom.form = el("form", { class: "fitn7-form", novalidate: true }, [
      el("label", { for: "fitn7-input", class: cls("fitn7-label", "fr-label"), text: TXT.label }),
      el("div", { class: "fitn7-row" }, [dom.input, dom.send]),
      el("p", { id: "fitn7-hint", class: "fitn7-hint", text: TXT.hint }),
    ]);
    // the personal-data notice, above the messages: read before the first one is sent
    dom.privacy = el("p", { id: "fitn7-privacy", class: "fitn7-privacy" }, [
      TXT.privacy, link(PRIVACY_URL, TXT.privacyLink), ".",
    ]);
    dom.panel = el("aside", { id: "fitn7-panel", class: "fitn7-panel", "aria-labelledby": "fitn7-title", hidden: true }, [
      el("div", { class: "fitn7-head" }, [dom.title, el("div", { class: "fitn7-head-buttons" }, [dom.restart, dom.close])]),
      dom.privacy, dom.log, dom.status, dom.error, dom.form,
    ]);
    root.appendChild(dom.launcher);
    root.appendChild(dom.panel);
    document.body.appendChild(root);

    var skips = document.querySelectorAll("[data-fitn7-skip]");
    if (!skips.length) {
      var skip = el("a", { href: "#fitn7-launcher", class: "fitn7-skip", "data-fitn7-skip": true, text: TXT.skip });
      document.body.insertBefore(skip, document.body.firstChild);
      skips = [skip];
    }
    Array.prototype.forEach.call(skips, function (s) {
      s.addEventListener("click", function (ev) { ev.preventDefault(); openPanel(true, dom.launcher); });
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-fitn7-open]"), function (b) {
      b.setAttribute("aria-controls", "fitn7-panel");
      b.setAttribute("aria-expanded", "false");
      b.addEventListener("click", function () { openPanel(true, b); });
    });

    dom.launcher.addEventListener("click", function () { openPanel(true, dom.launcher); });
    dom.close.addEventListener("click", closePanel);
    dom.restart.addEventListener("click", restart);
    dom.panel.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape") { ev.preventDefault(); closePanel(); }
    });
    dom.form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var text = dom.input.value.trim();
      if (!text || busy) { return; }
      dom.input.value = "";
      send(text, text);
    });
  }

  function setExpanded(value) {
    dom.launcher.setAttribute("aria-expanded", value ? "true" : "false");
    Array.prototype.forEach.call(document.querySelectorAll("[data-fitn7-open]"), function (b) {
      b.setAttribute("aria-expanded", value ? "true" : "false");
    });
  }

  function openPanel(focus, from) {
    if (from) { opener = from; }
    dom.panel.hidden = false;
    dom.launcher.hidden = true;
    setExpanded(true);
    state.open = true;
    save("open", true);
    if (!state.history.length) { addEntry({ who: "bot", text: TXT.welcome }); }
    scrollToEnd();
    if (focus) { dom.input.focus(); }
  }

  function closePanel() {
    dom.panel.hidden = true;
    dom.launcher.hidden = false;
    setExpanded(false);
    state.open = false;
    save("open", false);
    var target = opener && document.body.contains(opener) && opener.offsetParent !== null ? opener : dom.launcher;
    target.focus();
  }

  function restart() {
    state.sender = newSender();
    state.history = [];
    state.pending = null;
    save("sender", state.sender);
    save("history", []);
    save("pending", null);
    dom.log.textContent = "";
    clearError();
    addEntry({ who: "bot", text: TXT.welcome });
    dom.input.focus();
  }

  function scrollToEnd() { dom.log.scrollTop = dom.log.scrollHeight; }

  // ---------- messages ----------
  function addEntry(entry) {
    state.history.push(entry);
    if (state.history.length > MAX_HISTORY) { state.history = state.history.slice(-MAX_HISTORY); }
    save("history", state.history);
    removeQuickReplies();
    var item = renderEntry(entry, true);
    scrollToEnd();
    if (entry.assessment) {
      // show the card from its top (badge first), not its end
      dom.log.scrollTop = Math.max(0, item.offsetTop - dom.log.offsetTop - 8);
    }
  }

  function renderEntry(entry, isLast) {
    var who = entry.who === "user" ? "user" : "bot";
    var item = el("div", { class: "fitn7-msg fitn7-msg--" + who });
    item.appendChild(el("span", { class: "fitn7-sr", text: who === "user" ? TXT.you : TXT.bot }));
    if (typeof entry.text === "string" && entry.text) {
      var bubble = el("div", { class: "fitn7-bubble" });
      if (who === "bot") { appendRichText(bubble, entry.text); } else { bubble.textContent = entry.text; }
      item.appendChild(bubble);
    }
    if (entry.assessment && typeof entry.assessment === "object") {
      item.appendChild(renderCard(entry.assessment));
    }
    dom.log.appendChild(item);
    if (isLast && who === "bot" && Array.isArray(entry.buttons) && entry.buttons.length) {
      dom.log.appendChild(renderQuickReplies(entry.buttons));
    }
    return item;
  }

  function renderQuickReplies(buttons) {
    var group = el("div", { class: "fitn7-quick", role: "group", "aria-label": TXT.quick });
    buttons.forEach(function (b) {
      if (b && typeof b.title === "string" && typeof b.url === "string" && safeHref(b.url)) {
        group.appendChild(link(b.url, b.title, "fitn7-btn fr-btn fr-btn--sm"));   // e.g. the prefilled dossier
        return;
      }
      if (!b || typeof b.title !== "string" || typeof b.payload !== "string") { return; }
      var button = el("button", { type: "button", class: cls("fitn7-btn fitn7-btn--quick", "fr-btn fr-btn--secondary fr-btn--sm"), text: b.title });
      button.addEventListener("click", function () {
        if (busy) { return; }
        send(b.payload, b.title);
        dom.input.focus();
      });
      group.appendChild(button);
    });
    return group;
  }

  function removeQuickReplies() {
    Array.prototype.forEach.call(dom.log.querySelectorAll(".fitn7-quick"), function (g) { g.remove(); });
  }

  // ---------- the assessment card ----------
  function sortedFindings(a) {
    var order = { not_met: 0, unknown: 1, met: 2 };
    return (Array.isArray(a.findings) ? a.findings : []).filter(function (f) {
      return f && typeof f.message === "string" && f.message && f.status in order;
    }).sort(function (x, y) { return order[x.status] - order[y.status]; });
  }

  function capital(text) { return text ? text.charAt(0).toUpperCase() + text.slice(1) : ""; }

  function eligibilityLabel(a) {
    return capital(typeof a.eligibility_label === "string" ? a.eligibility_label : str(a.eligibility || ""));
  }

  function collectivityLabel(c) {
    if (!c || typeof c !== "object") { return ""; }
    if (typeof c.label === "string" && c.label) { return c.label; }
    return c.name ? str(c.name) : "";
  }

  function subAxisLabel(a) {
    if (typeof a.sub_axis_label === "string" && a.sub_axis_label) { return a.sub_axis_label; }
    return a.sub_axis ? str(a.sub_axis) : "";
  }

  function amountLabel(amount) {
    if (!amount || typeof amount !== "object") { return ""; }
    var value = typeof amount.eur === "number" ? eur(amount.eur) : "";
    var kind = amount.kind === "flat_rate" ? "forfait" : (amount.kind === "up_to_cost" ? "jusqu'à 100\u00a0% du coût" : "");
    return [value, kind].filter(Boolean).join(" (") + (value && kind ? ")" : "");
  }

  function renderCard(a) {
    var titleId = nextId("card");
    var badge = BADGE[a.eligibility] || BADGE.to_confirm;
    var card = el("section", { class: "fitn7-card", "aria-labelledby": titleId });
    card.appendChild(el("h3", { id: titleId, class: "fitn7-card-title", text: "Résultat de l'évaluation" }));
    card.appendChild(el("p", { class: "fitn7-badge-line" }, [
      el("span", { class: cls("fitn7-badge fitn7-badge--" + badge, "fr-badge fr-badge--" + badge), text: eligibilityLabel(a) }),
    ]));
    var dl = el("dl", { class: "fitn7-facts" });
    function fact(term, value) {
      if (!value) { return; }
      dl.appendChild(el("dt", { text: term }));
      dl.appendChild(el("dd", { text: value }));
    }
    fact("Collectivité", collectivityLabel(a.collectivity));
    fact("Sous-axe", subAxisLabel(a) || "à déterminer");
    var amount = a.amount && typeof a.amount === "object" ? a.amount : null;
    fact("Montant", amountLabel(amount) || (amount && amount.explanation ? "voir ci-dessous" : "à confirmer"));
    card.appendChild(dl);
    if (amount && typeof amount.explanation === "string" && amount.explanation) {
      card.appendChild(el("p", { class: "fitn7-explanation", text: amount.explanation }));
    }
    var findings = sortedFindings(a).slice(0, 5);
    if (findings.length) {
      card.appendChild(el("h4", { text: "Principales raisons" }));
      var ul = el("ul", { class: "fitn7-reasons" });
      findings.forEach(function (f) {
        var mark = f.status === "met" ? "Condition remplie : " : (f.status === "not_met" ? "Condition non remplie : " : "À vérifier : ");
        ul.appendChild(el("li", null, [el("span", { class: "fitn7-sr", text: mark }), f.message, howToChange(f)]));
      });
      card.appendChild(ul);
    }
    var formUrl = safeHref(a.application_url);
    if (formUrl && /^https?:/.test(formUrl)) {
      card.appendChild(el("p", { class: "fitn7-cta-line" }, [
        el("a", { href: formUrl, class: cls("fitn7-cta", "fr-btn"), text: "Déposer la demande sur démarches-simplifiées" }),
      ]));
    }
    var contacts = (Array.isArray(a.contacts) ? a.contacts : []).filter(function (c) { return c && c.name; });
    if (contacts.length) {
      card.appendChild(el("h4", { text: contacts.length > 1 ? "Contacts" : "Contact" }));
      var cl = el("ul", { class: "fitn7-contacts" });
      contacts.forEach(function (c) {
        var li = el("li", null, [el("span", { class: "fitn7-contact-name", text: str(c.name) })]);
        if (c.email && safeHref("mailto:" + c.email)) {
          li.appendChild(document.createTextNode(" – "));
          li.appendChild(link("mailto:" + str(c.email), str(c.email)));
        }
        if (c.url && safeHref(c.url)) {
          li.appendChild(document.createTextNode(" – "));
          li.appendChild(link(str(c.url), new URL(safeHref(c.url)).hostname));
        }
        if (c.why) { li.appendChild(el("span", { class: "fitn7-contact-why", text: str(c.why) })); }
        cl.appendChild(li);
      });
      card.appendChild(cl);
    }
    var download = el("button", { type: "button", class: cls("fitn7-btn fitn7-btn--secondary", "fr-btn fr-btn--secondary"), text: "Télécharger le résumé" });
    download.addEventListener("click", function () { downloadSummary(a); });
    var print = el("button", { type: "button", class: cls("fitn7-btn fitn7-btn--secondary", "fr-btn fr-btn--secondary"), text: TXT.print });
    print.addEventListener("click", function () { printSummary(a); });
    card.appendChild(el("p", { class: "fitn7-download-line" }, [download, " ", print]));
    return card;
  }

  // ---------- the summary file (Markdown, French, dated, with sources) ----------
  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function summaryMarkdown(a, now) {
    var lines = [];
    var date = now.toLocaleDateString("fr-FR", { day: "numeric", month: "long", year: "numeric" });
    var time = pad(now.getHours()) + " h " + pad(now.getMinutes());
    lines.push("# Résumé de l'évaluation – FITN7 axe 3 (France Relance)", "");
    lines.push("Établi le " + date + " à " + time + " par l'assistant d'éligibilité FITN7 axe 3" +
      (DEPARTEMENT ? " (site de la préfecture, département " + DEPARTEMENT + ")" : "") + ".");
    lines.push("Avis indicatif : la décision revient au comité de sélection présidé par le préfet.", "");
    var coll = collectivityLabel(a.collectivity);
    if (coll) {
      var codes = [];
      if (a.collectivity.code) { codes.push("code INSEE " + str(a.collectivity.code)); }
      if (a.collectivity.siren) { codes.push("SIREN " + str(a.collectivity.siren)); }
      if (typeof a.collectivity.population === "number") { codes.push(a.collectivity.population.toLocaleString("fr-FR") + " habitants"); }
      lines.push("## Collectivité", "", coll + (codes.length ? " – " + codes.join(", ") : ""), "");
    }
    lines.push("## Résultat", "");
    lines.push("- Éligibilité : " + eligibilityLabel(a));
    lines.push("- Sous-axe : " + (subAxisLabel(a) || "à déterminer"));
    var amount = a.amount && typeof a.amount === "object" ? a.amount : {};
    lines.push("- Montant : " + (amountLabel(amount) || "à confirmer"));
    if (amount.explanation) { lines.push("  " + str(amount.explanation)); }
    (Array.isArray(amount.excluded_expenses) ? amount.excluded_expenses : []).forEach(function (x) {
      if (x && x.label) { lines.push("- Dépense exclue : " + str(x.label) + (typeof x.amount_eur === "number" ? " (" + eur(x.amount_eur) + ")" : "") + (x.reason ? " – " + str(x.reason) : "")); }
    });
    lines.push("");
    var findings = sortedFindings(a);
    var sources = [];
    function cite(src) {
      if (!src || !src.section) { return ""; }
      var key = str(src.section) + "|" + str(src.quote);
      var n = sources.indexOf(key) + 1;
      if (!n) { sources.push(key); n = sources.length; }
      return " [" + n + "]";
    }
    if (findings.length) {
      lines.push("## Raisons", "");
      findings.forEach(function (f) {
        var mark = f.status === "met" ? "Remplie" : (f.status === "not_met" ? "Non remplie" : "À vérifier");
        lines.push("- " + mark + " : " + f.message + cite(f.source));
        if (howToChange(f)) { lines.push("  - Pour que cela change : " + f.how_to_change.trim()); }
      });
      lines.push("");
    }
    var labels = Array.isArray(a.missing_labels) ? a.missing_labels : [];
    var missing = (Array.isArray(a.missing) ? a.missing : []).map(function (m, i) {
      return (typeof labels[i] === "string" && labels[i]) || str(m);
    }).filter(Boolean);
    if (missing.length) { lines.push("## Reste à préciser", "", "- " + missing.join("\n- "), ""); }
    var advice = (Array.isArray(a.advice) ? a.advice : []).filter(function (x) { return typeof x === "string" && x; });
    if (advice.length) { lines.push("## Conseils", "", "- " + advice.join("\n- "), ""); }
    if (safeHref(a.application_url)) { lines.push("## Déposer la demande", "", "Formulaire en ligne : " + safeHref(a.application_url), ""); }
    var contacts = (Array.isArray(a.contacts) ? a.contacts : []).filter(function (c) { return c && c.name; });
    if (contacts.length) {
      lines.push("## Contacts", "");
      contacts.forEach(function (c) {
        lines.push("- " + [str(c.name), str(c.email), safeHref(c.url) || ""].filter(Boolean).join(" – ") + (c.why ? " : " + str(c.why) : ""));
      });
      lines.push("");
    }
    if (typeof a.summary === "string" && a.summary) { lines.push("## Synthèse", "", a.summary, ""); }
    lines.push("## Sources", "");
    sources.forEach(function (key, i) {
      var parts = key.split("|");
      lines.push("- [" + (i + 1) + "] " + parts[0] + (parts[1] ? " : « " + parts[1] + " »" : ""));
    });
    lines.push("- Texte de référence : « Transformation numérique des collectivités territoriales – Axe 3 : guichet départemental " +
      "pour soutenir l'ingénierie, le déploiement, l'accompagnement ou la formation au numérique dans les collectivités " +
      "territoriales » (plan France Relance, 2021).", "");
    lines.push("## Échanges avec l'assistant", "");
    state.history.forEach(function (h) {
      if (typeof h.text === "string" && h.text) { lines.push("- " + (h.who === "user" ? "Vous : " : "Assistant : ") + h.text.replace(/\n+/g, " ")); }
    });
    return lines.join("\n") + "\n";
  }

  function downloadSummary(a) {
    var now = new Date();
    var name = "resume-fitn7-axe3-" + now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate()) + ".md";
    var blob = new Blob([summaryMarkdown(a, now)], { type: "text/markdown;charset=utf-8" });
    var url = URL.createObjectURL(blob);
    var anchor = el("a", { href: url, download: name, class: "fitn7-sr", tabindex: "-1", "aria-hidden": "true" });
    document.body.appendChild(anchor);
    anchor.click();
    anchor.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 30000);
    dom.status.textContent = TXT.downloaded + name;
  }

  // ---------- the print view (issue 14 part 4): print CSS + window.print(), a PDF in any browser ----------
  // A section appended to <body>, hidden on screen; while printing (body.fitn7-printing), widget.css
  // hides every other child of <body> (the host page's header, footer, the chat) and shows it.
  function printView(a, now) {
    var view = el("div", { id: "fitn7-print", class: "fitn7-print" });
    function h2(text) { view.appendChild(el("h2", { text: text })); }
    var date = now.toLocaleDateString("fr-FR", { day: "numeric", month: "long", year: "numeric" });
    view.appendChild(el("h1", { text: "Résumé de l'évaluation – FITN7 axe 3 (France Relance)" }));
    view.appendChild(el("p", { class: "fitn7-print-date", text: "Établi le " + date + " à " + pad(now.getHours()) + " h " +
      pad(now.getMinutes()) + " par l'assistant d'éligibilité FITN7 axe 3" +
      (DEPARTEMENT ? " (département " + DEPARTEMENT + ")" : "") + "." }));
    view.appendChild(el("p", { class: "fitn7-print-notice", text: TXT.indicative }));
    if (DEMO) { view.appendChild(el("p", { class: "fitn7-print-notice fitn7-print-demo", text: TXT.demoNotice })); }

    h2("Résultat");
    var dl = el("dl", { class: "fitn7-print-facts" });
    function fact(term, value) {
      if (!value) { return; }
      dl.appendChild(el("dt", { text: term }));
      dl.appendChild(el("dd", { text: value }));
    }
    fact("Éligibilité", eligibilityLabel(a) || "à confirmer");
    fact("Collectivité", collectivityLabel(a.collectivity));
    fact("Sous-axe", subAxisLabel(a) || "à déterminer");
    var amount = a.amount && typeof a.amount === "object" ? a.amount : {};
    fact("Montant", amountLabel(amount) || "à confirmer");
    view.appendChild(dl);
    if (typeof amount.explanation === "string" && amount.explanation) { view.appendChild(el("p", { text: amount.explanation })); }
    var excluded = (Array.isArray(amount.excluded_expenses) ? amount.excluded_expenses : []).filter(function (x) { return x && x.label; });
    if (excluded.length) {
      var ex = el("ul");
      excluded.forEach(function (x) {
        ex.appendChild(el("li", { text: "Dépense exclue : " + str(x.label) +
          (typeof x.amount_eur === "number" ? " (" + eur(x.amount_eur) + ")" : "") + (x.reason ? " – " + str(x.reason) : "") }));
      });
      view.appendChild(ex);
    }

    var findings = sortedFindings(a);
    if (findings.length) {
      h2("Raisons et sources");
      var ul = el("ul", { class: "fitn7-print-reasons" });
      findings.forEach(function (f) {
        var mark = f.status === "met" ? "Condition remplie : " : (f.status === "not_met" ? "Condition non remplie : " : "À vérifier : ");
        var li = el("li", null, [el("strong", { text: mark }), f.message]);
        if (f.source && f.source.section) {
          li.appendChild(el("span", { class: "fitn7-print-source", text: "Source : « " + str(f.source.section) + " »" +
            (f.source.quote ? " – « " + str(f.source.quote) + " »" : "") }));
        }
        ul.appendChild(li);
      });
      view.appendChild(ul);
    }

    var labels = Array.isArray(a.missing_labels) ? a.missing_labels : [];
    var missing = (Array.isArray(a.missing) ? a.missing : []).map(function (m, i) {
      return (typeof labels[i] === "string" && labels[i]) || str(m);
    }).filter(Boolean);
    var advice = (Array.isArray(a.advice) ? a.advice : []).filter(function (x) { return typeof x === "string" && x; });
    if (missing.length || advice.length) {
      h2("À préparer");
      var prep = el("ul");
      missing.forEach(function (m) { prep.appendChild(el("li", { text: "À préciser : " + m })); });
      advice.forEach(function (x) { prep.appendChild(el("li", { text: x })); });
      view.appendChild(prep);
    }

    var formUrl = safeHref(a.application_url);
    if (formUrl && /^https?:/.test(formUrl)) {
      h2("Déposer la demande");
      view.appendChild(el("p", null, ["Formulaire en ligne sur démarches-simplifiées : ",
        el("a", { href: formUrl, class: "fitn7-print-url", text: formUrl })]));
    }
    var contacts = (Array.isArray(a.contacts) ? a.contacts : []).filter(function (c) { return c && c.name; });
    if (contacts.length) {
      h2(contacts.length > 1 ? "Contacts" : "Contact");
      var cl = el("ul");
      contacts.forEach(function (c) {
        var parts = [str(c.name)];
        if (c.email && safeHref("mailto:" + c.email)) { parts.push(str(c.email)); }
        if (c.url && /^https?:/.test(safeHref(c.url) || "")) { parts.push(safeHref(c.url)); }
        cl.appendChild(el("li", { text: parts.join(" – ") + (c.why ? " : " + str(c.why) : "") }));
      });
      view.appendChild(cl);
    }
    if (typeof a.summary === "string" && a.summary) { h2("Synthèse"); view.appendChild(el("p", { text: a.summary })); }
    view.appendChild(el("p", { class: "fitn7-print-reference", text: "Texte de référence : « Transformation numérique des " +
      "collectivités territoriales – Axe 3 : guichet départemental pour soutenir l'ingénierie, le déploiement, " +
      "l'accompagnement ou la formation au numérique dans les collectivités territoriales » (plan France Relance, 2021)." }));
    return view;
  }

  function endPrinting() { document.body.classList.remove("fitn7-printing"); }

  function printSummary(a) {
    var old = document.getElementById("fitn7-print");
    if (old) { old.remove(); }
    document.body.appendChild(printView(a, new Date()));
    document.body.classList.add("fitn7-printing");
    window.addEventListener("afterprint", endPrinting, { once: true });
    window.print();
  }

  // ---------- talking to the server ----------
  function clearError() { dom.error.textContent = ""; dom.error.className = "fitn7-error"; }

  function showError(message, retryable) {
    clearError();
    dom.error.className = cls("fitn7-error fitn7-error--shown", "fr-alert fr-alert--error fr-alert--sm");
    dom.error.appendChild(el("p", { text: message }));
    if (retryable) {
      var retry = el("button", { type: "button", class: cls("fitn7-btn fitn7-btn--primary", "fr-btn fr-btn--sm"), text: TXT.retry });
      retry.addEventListener("click", function () { dom.input.focus(); post(); });
      dom.error.appendChild(retry);
    }
  }

  function send(payload, display) {
    addEntry({ who: "user", text: display });
    // one id per message, kept across retries and reloads: the server answers a message once
    state.pending = { payload: payload, id: newSender() };
    save("pending", state.pending);
    post();
  }

  function post() {
    if (busy || !state.pending) { return; }
    busy = true;
    clearError();
    dom.status.textContent = TXT.typing;
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timer = setTimeout(function () { if (controller) { controller.abort(); } }, TIMEOUT_MS);
    if (typeof state.pending.id !== "string") { state.pending.id = newSender(); save("pending", state.pending); }
    var body = { sender: state.sender, message: state.pending.payload, message_id: state.pending.id };
    if (DEPARTEMENT) { body.metadata = { departement: DEPARTEMENT }; }
    fetch(SERVER + "/api/chat", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
      credentials: "omit", signal: controller ? controller.signal : undefined,
    }).then(function (resp) {
      return resp.json().catch(function () { return null; }).then(function (data) { return { resp: resp, data: data }; });
    }).then(function (r) {
      clearTimeout(timer);
      busy = false;
      dom.status.textContent = "";
      if (isStarting(r.resp, r.data)) { waitForStart(); return; }
      if (!r.resp.ok || !Array.isArray(r.data)) {
        startup = null;
        var retryable = r.resp.status >= 500 || r.resp.status === 408 || r.resp.status === 429 || !Array.isArray(r.data);
        var message = r.data && typeof r.data.error === "string" ? r.data.error : TXT.unavailable;
        if (!retryable) { state.pending = null; save("pending", null); }
        showError(message, retryable);
        return;
      }
      startup = null;
      state.pending = null;
      save("pending", null);
      var shown = 0;
      r.data.forEach(function (m) {
        if (!m || typeof m !== "object") { return; }
        var entry = { who: "bot" };
        if (typeof m.text === "string") { entry.text = m.text; }
        if (Array.isArray(m.buttons)) { entry.buttons = m.buttons; }
        if (m.custom && typeof m.custom === "object" && m.custom.assessment && typeof m.custom.assessment === "object") {
          entry.assessment = m.custom.assessment;
        }
        if (entry.text || entry.assessment || entry.buttons) { addEntry(entry); shown += 1; }
      });
      if (!shown) { addEntry({ who: "bot", text: TXT.empty }); }
    }).catch(function () {
      clearTimeout(timer);
      busy = false;
      startup = null;
      dom.status.textContent = "";
      showError(TXT.unavailable, true);
    });
  }

  // The servers are starting: our proxy says so ("starting": true), or a reverse proxy in front
  // of it answers 502/503/504 with a page of its own (no JSON error: the web server is not up).
  function isStarting(resp, data) {
    if (resp.ok) { return false; }
    if (data && typeof data === "object" && data.starting === true) { return true; }
    var ours = data && typeof data === "object" && typeof data.error === "string";
    return !ours && (resp.status === 502 || resp.status === 503 || resp.status === 504);
  }

  function giveUpStart() {
    startup = null;
    busy = false;
    dom.status.textContent = "";
    showError(TXT.unavailable, true);
  }

  function waitForStart() {
    var now = Date.now();
    if (!startup) { startup = { since: now, lastPost: now }; } else { startup.lastPost = now; }
    busy = true;   // one message at a time: the form waits with it
    clearError();
    dom.status.textContent = TXT.starting;
    function tick() {
      if (!startup) { return; }
      if (!state.pending) { startup = null; busy = false; dom.status.textContent = ""; return; }  // new conversation
      if (Date.now() - startup.since > STARTUP_MAX_MS) { giveUpStart(); return; }
      fetch(SERVER + "/healthz", { credentials: "omit", cache: "no-store" }).then(function (resp) {
        return resp.ok ? resp.json() : null;
      }).catch(function () { return null; }).then(function (health) {
        if (!startup) { return; }
        if (health && health.rasa === "unavailable") { giveUpStart(); return; }
        if (health && health.rasa === "ready" && Date.now() - startup.lastPost >= STARTUP_RESEND_MS) {
          busy = false;
          post();
          return;
        }
        setTimeout(tick, STARTUP_POLL_MS);
      });
    }
    setTimeout(tick, STARTUP_POLL_MS);
  }

  // ---------- start ----------
  function init() {
    var link = el("link", { rel: "stylesheet", href: STATIC_BASE + "widget.css" });
    document.head.appendChild(link);
    build();
    state.history.forEach(function (entry, i) { renderEntry(entry, i === state.history.length - 1); });
    if (state.open) { openPanel(false); }
    if (state.pending) { showError(TXT.pendingAfterReload, true); }
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); }
  else { init(); }
})();
