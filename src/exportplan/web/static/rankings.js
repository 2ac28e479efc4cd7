// The ranking pages' own script (progressive enhancement: without it the weights form is a plain GET form).
// Typing a weight or choosing a preset asks the server for the result fragment (/sectors/table or
// /markets/table) with the same query the form would send, swaps it in without reloading the page,
// keeps the address in step (so a reload or a shared link shows the same ranking) and announces the
// update in the page's status region.
(function () {
  "use strict";

  var DELAY = 350;  // ms of quiet after the last keystroke before asking the server

  function queryOf(form, usePreset) {
    var params = new URLSearchParams();
    var data = new FormData(form);
    data.forEach(function (value, key) {
      if (key === "use_preset") { return; }
      if (usePreset && key.indexOf("w_") === 0) { return; }
      params.append(key, value);
    });
    if (usePreset) { params.set("use_preset", "1"); }
    return params.toString();
  }

  function setUp(form) {
    var partial = form.getAttribute("data-live-ranking");
    var target = document.getElementById(form.getAttribute("data-target"));
    var status = document.getElementById(form.getAttribute("data-status"));
    var mapLink = document.getElementById("map-link");
    var timer = null;
    var asked = 0;
    var controller = null;
    if (!partial || !target) { return; }

    function refresh(usePreset) {
      var query = queryOf(form, usePreset);
      var mine = ++asked;
      if (controller) { controller.abort(); }
      controller = window.AbortController ? new AbortController() : null;
      target.setAttribute("aria-busy", "true");
      if (status) { status.textContent = "Updating the ranking…"; }
      fetch(partial + "?" + query, {
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch" },
        signal: controller ? controller.signal : undefined
      }).then(function (response) {
        if (response.status === 401 || response.status === 403 || response.redirected) {
          window.location.href = form.getAttribute("action") + "?" + query;  // signed out: let the page say so
          return null;
        }
        return response.text();
      }).then(function (html) {
        if (html === null || mine !== asked) { return; }
        target.innerHTML = html;
        target.removeAttribute("aria-busy");
        var result = target.querySelector("[data-announce]");
        if (status) { status.textContent = result ? result.getAttribute("data-announce") : "Ranking updated."; }
        var clean = query.replace(/(^|&)use_preset=1/, "");
        window.history.replaceState(null, "", form.getAttribute("action") + (clean ? "?" + clean : ""));
        if (mapLink) { mapLink.setAttribute("href", "/map" + (clean ? "?" + clean : "")); }
        if (usePreset) { fillFromResult(); }
      }).catch(function (error) {
        if (error && error.name === "AbortError") { return; }
        target.removeAttribute("aria-busy");
        if (status) { status.textContent = "The ranking could not be updated; submit the form to try again."; }
      });
    }

    // After a preset is applied, the inputs show the weights the server used (the saved form's hidden values).
    function fillFromResult() {
      var saved = target.querySelectorAll('form.save-weights input[name^="w_"]');
      for (var i = 0; i < saved.length; i++) {
        var input = form.querySelector('input[name="' + saved[i].name + '"]');
        if (input) { input.value = String(Math.round(parseFloat(saved[i].value) * 1000) / 1000); }
      }
    }

    function later() {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { refresh(false); }, DELAY);
    }

    form.addEventListener("input", function (event) {
      if (event.target && event.target.name && event.target.name.indexOf("w_") === 0) { later(); }
    });
    var presetForm = document.getElementById(form.getAttribute("data-preset-form"));
    var preset = presetForm ? presetForm.querySelector('select[name="preset"]') : null;
    var chosen = form.querySelector('input[name="preset"]');
    var hint = document.getElementById("preset-hint");
    function applyPreset() {
      var option = preset.options[preset.selectedIndex];
      if (chosen) { chosen.value = preset.value; }
      try {
        var weights = JSON.parse(option.getAttribute("data-weights") || "{}");
        Object.keys(weights).forEach(function (key) {
          var input = form.querySelector('input[name="w_' + key + '"]');
          if (input) { input.value = String(weights[key]); }
        });
      } catch (ignored) { /* the inputs keep their values until the server's answer fills them */ }
      if (hint) { hint.textContent = option.getAttribute("data-description") || ""; }
      window.clearTimeout(timer);
      refresh(true);
    }
    if (preset) {
      preset.addEventListener("change", applyPreset);
      presetForm.addEventListener("submit", function (event) {
        event.preventDefault();
        applyPreset();
      });
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      window.clearTimeout(timer);
      refresh(false);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var forms = document.querySelectorAll("form[data-live-ranking]");
    for (var i = 0; i < forms.length; i++) { setUp(forms[i]); }
  });
})();
