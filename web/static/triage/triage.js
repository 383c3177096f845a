/* File de tri FITN7 axe 3 : remplit le tableau depuis /triage/api/cases (même origine, cookie de
   session). Tout texte venu des données est inséré avec textContent, jamais comme HTML. */
(function () {
  "use strict";
  var form = document.getElementById("filters");
  if (!form) return;
  var tbody = document.querySelector("#queue tbody");
  var count = document.getElementById("queue-count");
  var live = document.getElementById("status-message");
  var exportLink = document.getElementById("export");
  var detail = document.getElementById("detail");
  var detailBody = document.getElementById("detail-body");
  var detailTitle = document.getElementById("detail-title");
  var transcript = document.getElementById("transcript");
  var statusForm = document.getElementById("status-form");
  var noteForm = document.getElementById("note-form");
  var current = null;
  var lastOpener = null;
  var page = 1;                 // the queue is paged by the server (100 cases a page)
  var pager = el("nav", null, "pager");
  pager.setAttribute("aria-label", "Pages de la file");
  document.getElementById("queue").insertAdjacentElement("afterend", pager);

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }

  function say(message) { live.textContent = message; }

  function query() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      value = String(value).trim();
      if (value) params.set(key, value);
    });
    return params.toString();
  }

  function handle(response) {
    if (response.status === 401) { window.location.assign("/triage"); throw new Error("auth"); }
    return response.json().then(function (data) {
      if (!response.ok) throw new Error(data.error || "Erreur " + response.status);
      return data;
    });
  }

  // Show a failed request's French message (after a 401, handle() is already going to the login page).
  function fail(err) { if (err.message !== "auth") say(err.message); }

  function fmtCount(n) { return n === 0 ? "aucune demande" : n === 1 ? "1 demande" : n + " demandes"; }

  function collectivityText(c) {
    var parts = [];
    if (c.name) parts.push(c.name);
    if (c.code) parts.push("(" + c.code + ")");
    if (c.population !== null && c.population !== undefined) {
      parts.push("– " + Number(c.population).toLocaleString("fr-FR") + " hab.");
    }
    return parts.length ? parts.join(" ") : "non identifiée";
  }

  // Labels come from the server (the engine's wording); "—" when a value is missing or unknown.
  function label(value) { return value ? value : "\u2014"; }

  function collectivityCell(c) {
    var td = el("td", collectivityText(c));
    td.appendChild(el("span", label(c.type_label), "kind"));
    return td;
  }

  function subAxisCell(c) {
    var td = el("td", label(c.sub_axis_short_label));
    if (c.sub_axis_label && c.sub_axis_label !== c.sub_axis_short_label) td.title = c.sub_axis_label;
    return td;
  }

  function priorityCell(p) {
    var td = el("td");
    td.appendChild(el("strong", p.tier_label + " · score " + p.score));
    var ul = el("ul", null, "reasons");
    p.reasons.forEach(function (r) {
      var li = el("li", r.label + (r.points !== null ? " (+" + r.points + ")" : ""));
      li.title = "« " + r.source.quote + " » — " + r.source.section;
      ul.appendChild(li);
    });
    td.appendChild(ul);
    return td;
  }

  function showPager(data) {
    pager.textContent = "";
    if (!data.pages || data.pages < 2) return;
    function go(label, target) {
      var b = el("button", label, "secondary");
      b.type = "button";
      b.disabled = target < 1 || target > data.pages;
      b.addEventListener("click", function () { page = target; load(); });
      return b;
    }
    pager.appendChild(go("Page précédente", data.page - 1));
    pager.appendChild(el("span", " Page " + data.page + " sur " + data.pages + " "));
    pager.appendChild(go("Page suivante", data.page + 1));
  }

  function load(quiet) {
    var q = query();
    exportLink.href = "/triage/export.csv" + (q ? "?" + q : "");
    if (!quiet) say("Chargement…");
    var pq = q + (page > 1 ? (q ? "&" : "") + "page=" + page : "");
    return fetch("/triage/api/cases" + (pq ? "?" + pq : ""), { credentials: "same-origin" })
      .then(handle)
      .then(function (data) {
        tbody.textContent = "";
        data.cases.forEach(function (c) {
          var tr = el("tr");
          tr.appendChild(el("td", c.rank));
          var th = el("th");
          th.scope = "row";
          var btn = el("button", "n° " + c.id, "link");
          btn.type = "button";
          btn.setAttribute("aria-label", "Ouvrir le dossier n° " + c.id);
          btn.addEventListener("click", function () { lastOpener = btn; open(c.id); });
          th.appendChild(btn);
          tr.appendChild(th);
          tr.appendChild(el("td", c.created_at));
          tr.appendChild(collectivityCell(c.collectivity));
          tr.appendChild(el("td", c.collectivity.department || "—"));
          tr.appendChild(subAxisCell(c));
          tr.appendChild(el("td", c.eligibility_label + (c.handoff_reason ? " · mise en relation demandée" : "")));
          tr.appendChild(el("td", c.amount.text || "—"));
          tr.appendChild(el("td", c.status_label));
          tr.appendChild(priorityCell(c.priority));
          tbody.appendChild(tr);
        });
        count.textContent = fmtCount(data.count);
        showPager(data);
        if (!quiet) say(fmtCount(data.count) + " affichée" + (data.count > 1 ? "s" : "") + ".");
      })
      .catch(fail);
  }

  function dl(pairs) {
    var list = el("dl");
    pairs.forEach(function (pair) {
      if (pair[1] === null || pair[1] === undefined || pair[1] === "") return;
      list.appendChild(el("dt", pair[0]));
      list.appendChild(el("dd", pair[1]));
    });
    return list;
  }

  function render(d) {
    current = d;
    detailTitle.textContent = "Dossier n° " + d.id + " – " + collectivityText(d.collectivity);
    detailBody.textContent = "";
    detailBody.appendChild(dl([
      ["Reçu le", d.created_at], ["Canal", d.channel], ["Statut", d.status_label],
      ["Collectivité", collectivityText(d.collectivity)], ["Type", label(d.collectivity.type_label)],
      ["Département", d.collectivity.department], ["Sous-axe", label(d.sub_axis_label)],
      ["Éligibilité", d.eligibility_label], ["Montant", d.amount.text],
      ["Calcul du montant", d.amount.explanation], ["Budget annoncé", d.budget_text],
      ["Agents concernés", d.agents_count], ["Utilisateurs concernés", d.users_count],
      ["Mise en relation", d.handoff_reason ? d.handoff_reason + " (" + d.handoff_at + ")" : ""],
      ["Dossier démarches-simplifiées", d.dossier ? "n° " + d.dossier.number + " (prérempli le " + d.dossier.prefilled_at + ")" : ""],
      ["Encore à préciser", (d.missing || []).join(", ")],
      ["Description du projet", d.description], ["Synthèse", d.summary],
      ["Priorité", d.priority.tier_label + " · score " + d.priority.score]
    ]));
    var reasons = el("ul", null, "reasons");
    d.priority.reasons.forEach(function (r) {
      var li = el("li", r.label + (r.points !== null ? " (+" + r.points + ") " : " "));
      li.appendChild(document.createTextNode("\u00ab\u00a0" + r.source.quote + "\u00a0\u00bb — " + r.source.section));
      reasons.appendChild(li);
    });
    detailBody.appendChild(el("h3", "Raisons de la priorité"));
    detailBody.appendChild(reasons);
    if (d.findings && d.findings.length) {
      detailBody.appendChild(el("h3", "Constats de l'assistant"));
      var fl = el("ul");
      d.findings.forEach(function (f) { fl.appendChild(el("li", f.message || f.rule)); });
      detailBody.appendChild(fl);
    }
    detailBody.appendChild(el("h3", "Historique et notes"));
    if (!d.notes.length) detailBody.appendChild(el("p", "Aucune note."));
    else {
      var nl = el("ul");
      d.notes.forEach(function (n) {
        var t = n.at + " – ";
        if (n.kind === "status") t += "statut : " + n.old_status + " → " + n.new_status + (n.text ? " – " + n.text : "");
        else t += n.text;
        if (n.author) t += " (par " + n.author + ")";
        nl.appendChild(el("li", t));
      });
      detailBody.appendChild(nl);
    }
    transcript.textContent = "";
    if (!d.transcript_available) transcript.appendChild(el("p", "Conversation non disponible (aucun historique Rasa dans cette base)."));
    else if (!d.transcript.length) transcript.appendChild(el("p", "Aucun message enregistré pour cette conversation."));
    else {
      var ol = el("ol", null, "transcript");
      d.transcript.forEach(function (line) {
        var li = el("li", null, line.speaker);
        li.appendChild(el("span", line.speaker === "user" ? "Usager : " : "Assistant : ", "who"));
        li.appendChild(document.createTextNode(line.text));
        ol.appendChild(li);
      });
      transcript.appendChild(ol);
    }
    statusForm.elements.status.value = d.status;
  }

  function open(id) {
    return fetch("/triage/api/cases/" + encodeURIComponent(id), { credentials: "same-origin" })
      .then(handle)
      .then(function (d) { render(d); detail.hidden = false; detail.focus(); })
      .catch(fail);
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
    }).then(handle);
  }

  form.addEventListener("submit", function (e) { e.preventDefault(); page = 1; load(false); });
  form.addEventListener("reset", function () { page = 1; setTimeout(function () { load(false); }, 0); });
  statusForm.addEventListener("submit", function (e) {
    e.preventDefault();
    if (!current) return;
    var status = statusForm.elements.status.value;
    if (!status) { say("Choisissez un statut."); return; }
    post("/triage/api/cases/" + current.id + "/status", { status: status, note: statusForm.elements.note.value })
      .then(function (d) { render(d); statusForm.elements.note.value = ""; say("Statut enregistré : " + d.status_label + "."); load(true); })
      .catch(fail);
  });
  noteForm.addEventListener("submit", function (e) {
    e.preventDefault();
    if (!current) return;
    post("/triage/api/cases/" + current.id + "/notes", { text: noteForm.elements.text.value })
      .then(function (d) { render(d); noteForm.elements.text.value = ""; say("Note ajoutée."); })
      .catch(fail);
  });
  document.getElementById("close-detail").addEventListener("click", function () {
    detail.hidden = true;
    current = null;
    if (lastOpener && document.body.contains(lastOpener)) lastOpener.focus();
  });
  detail.addEventListener("keydown", function (e) {
    if (e.key === "Escape") document.getElementById("close-detail").click();
  });
  load(false);
})();
