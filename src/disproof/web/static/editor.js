// Progressive enhancement for the case editor: while the claim is typed, ask the API which
// known cases are similar and list them under the claim. Without JavaScript the "Check for
// similar cases" button does the same with a form post. Case text is shown with textContent
// only: it is never parsed as HTML.
(function () {
  "use strict";

  var form = document.querySelector("form.editor[data-similar-url]");
  if (!form || !window.fetch || !form.dataset.similarUrl) {
    return;
  }
  var target = document.getElementById("similar");
  var sources = form.querySelectorAll("[data-similar-source]");
  var caseBase = form.dataset.caseBase || "/cases/";
  var minLength = 20;
  var labels = { confirmed: "Confirmed match", suggested: "Suggested match" };
  var timer = null;
  var inflight = null;
  var lastText = "";

  function claimText() {
    var parts = [];
    sources.forEach(function (el) {
      if (el.value.trim()) {
        parts.push(el.value.trim());
      }
    });
    return parts.join("\n");
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function show(matches) {
    var seen = {};
    var list = el("ul", "similar-list");
    matches.forEach(function (m) {
      var own = m.case_id === form.dataset.caseId;
      if (own || seen[m.case_id] || m.band === "none" || list.children.length >= 5) {
        return;
      }
      seen[m.case_id] = true;
      var item = el("li");
      var band = String(m.band || "none");
      item.appendChild(el("span", "badge band-" + band.replace(/[^a-z]/g, ""), labels[band] || band));
      item.appendChild(document.createTextNode(" "));
      var link = el("a", "", String(m.title || m.case_id));
      link.href = caseBase + encodeURIComponent(String(m.case_id));
      item.appendChild(link);
      var score = typeof m.score === "number" ? " score " + m.score.toFixed(2) : "";
      item.appendChild(el("span", "meta", (m.date ? " " + m.date + " ·" : "") + score));
      list.appendChild(item);
    });
    target.replaceChildren(el("h2", "", "Similar known cases"));
    target.querySelector("h2").id = "similar-heading";
    if (list.children.length) {
      target.appendChild(list);
    } else {
      target.appendChild(el("p", "muted", "No known case is close to this claim."));
    }
  }

  function lookup() {
    var text = claimText();
    if (text.length < minLength || text === lastText) {
      return;
    }
    lastText = text;
    if (inflight) {
      inflight.abort();
    }
    inflight = new AbortController();
    fetch(form.dataset.similarUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ text: text, top_k: 5 }),
      signal: inflight.signal,
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (data && Array.isArray(data.matches)) {
          show(data.matches);
        }
      })
      .catch(function () {
        /* offline, aborted or not allowed: the button still works */
      });
  }

  sources.forEach(function (source) {
    source.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(lookup, 700);
    });
  });
})();
