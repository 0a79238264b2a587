// Aube: progressive enhancement only. Every page works without this file.
(function () {
  "use strict";

  function say(text) {
    var live = document.getElementById("live");
    if (live && text) { live.textContent = ""; window.setTimeout(function () { live.textContent = text; }, 30); }
  }

  // Feedback buttons act in place: the same form post, answered as JSON.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-feedback]")) return;
    var button = event.submitter;
    if (!button || button.name !== "action") return;
    event.preventDefault();
    var data = new FormData(form);
    data.set("action", button.value);
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    // getAttribute: the buttons are named "action", which shadows form.action.
    fetch(form.getAttribute("action"), { method: "POST", body: data, credentials: "same-origin",
                         headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (reply) { update(form, reply.card); say(reply.message); })
      .catch(function () {  // fall back to the plain form post, with the button's value
        var field = document.createElement("input");
        field.type = "hidden"; field.name = "action"; field.value = button.value;
        form.appendChild(field);
        HTMLFormElement.prototype.submit.call(form);
      })
      .finally(function () { buttons.forEach(function (b) { b.disabled = false; }); });
  });

  function update(form, card) {
    var article = form.closest("[data-card]");
    ["up", "down", "less"].forEach(function (value) {
      var b = form.querySelector('button[value="' + value + '"]');
      if (b) b.setAttribute("aria-pressed", card.feedback === value ? "true" : "false");
    });
    var save = form.querySelector('button[data-toggle="save"]');
    if (save) {
      save.value = card.saved ? "unsave" : "save";
      save.setAttribute("aria-pressed", card.saved ? "true" : "false");
      save.querySelector("span").textContent = card.saved ? "Saved" : "Save";
    }
    if (article && card.dismissed) {
      article.classList.add("is-dismissed");
      var link = article.querySelector("h2 a");
      if (link) link.focus();
    }
  }

  // Opening a card tells Aube you were interested (best effort, no waiting).
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-open]");
    if (!link || !navigator.sendBeacon) return;
    var form = link.closest("[data-card]") && link.closest("[data-card]").querySelector("form[data-feedback]");
    if (!form) return;
    var data = new FormData(form);
    data.set("action", "open");
    navigator.sendBeacon(form.getAttribute("action"), data);
  });

  // Time zone: preselect the browser's own when the form still says UTC.
  document.querySelectorAll("select[data-detect-timezone]").forEach(function (select) {
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
    var known = Array.prototype.some.call(select.options, function (o) { return o.value === zone; });
    if (select.value === "UTC" && known) select.value = zone;
  });

  // Import progress: poll the job as JSON and move the bar; continue when done.
  var job = document.querySelector("[data-job]");
  if (job && job.dataset.state === "done") {
    window.location.assign(job.querySelector(".job-next a").getAttribute("href"));  // finished before this page
  } else if (job && job.dataset.state !== "failed") {
    var poll = function () {
      fetch(job.dataset.job, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          var bar = job.querySelector("progress");
          if (s.percent !== null) bar.value = s.percent; else bar.removeAttribute("value");
          job.querySelector(".job-count").textContent = s.total ? s.done + " of " + s.total : "";
          var step = s.state === "done" ? "Done." : s.state === "failed" ? "The import failed." : s.step.charAt(0).toUpperCase() + s.step.slice(1) + "…";
          job.querySelector(".job-step").textContent = step;
          job.querySelector(".job-message").textContent = s.message;
          if (s.state === "done") { window.location.assign(s.next); return; }
          if (s.state === "failed") {
            job.querySelector(".job-message").classList.add("error");
            var next = job.querySelector(".job-next");
            next.hidden = false; next.querySelector("a").href = s.next;
            return;
          }
          window.setTimeout(poll, 700);
        })
        .catch(function () { window.setTimeout(poll, 2000); });
    };
    window.setTimeout(poll, 300);
  }
})();
