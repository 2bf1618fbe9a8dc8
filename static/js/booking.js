/* Booking and quote pages: cascading region selects, the address book, the carrier choice.
 * The pages work without it (the server renders every select); this only saves round trips. */
(function () {
  "use strict";

  var REGIONS_URL = "/carriers/regions/";
  var cache = {};

  function fetchRegions(params) {
    var query = new URLSearchParams(params).toString();
    if (!cache[query]) {
      cache[query] = fetch(REGIONS_URL + (query ? "?" + query : ""), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { items: [] }; })
        .then(function (data) { return (data.items || []).map(function (item) { return item.name; }); })
        .catch(function () { delete cache[query]; return []; });
    }
    return cache[query];
  }

  function fill(select, names, value) {
    var placeholder = select.options.length ? select.options[0].cloneNode(true) : new Option("", "");
    placeholder.value = "";
    select.innerHTML = "";
    select.appendChild(placeholder);
    names.forEach(function (name) { select.appendChild(new Option(name, name)); });
    select.value = names.indexOf(value) >= 0 ? value : "";
    select.disabled = false;
  }

  /* A party's text input: marked data-party / data-field (the address book), or by its id. */
  function partyInput(party, field) {
    return document.querySelector('input[data-party="' + party + '"][data-field="' + field + '"]') ||
      document.getElementById("id_" + party + "_" + field);
  }

  function regionSelects(party) {
    var get = function (level) {
      return document.querySelector('select[data-party="' + party + '"][data-region="' + level + '"]');
    };
    return { province: get("province"), city: get("city"), district: get("district") };
  }

  /* Set province, city and district in turn, loading each level's options from the server. */
  function setRegion(party, province, city, district) {
    var s = regionSelects(party);
    return fetchRegions({}).then(function (names) {
      fill(s.province, names, province);
      if (!s.province.value) { fill(s.city, [], ""); fill(s.district, [], ""); return; }
      return fetchRegions({ province: s.province.value }).then(function (cities) {
        fill(s.city, cities, city);
        if (!s.city.value) { fill(s.district, [], ""); return; }
        return fetchRegions({ province: s.province.value, city: s.city.value }).then(function (districts) {
          fill(s.district, districts, district);
        });
      });
    });
  }

  function initParty(party) {
    var s = regionSelects(party);
    if (!s.province || !s.city || !s.district) return;
    s.province.addEventListener("change", function () {
      fill(s.district, [], "");
      if (!s.province.value) { fill(s.city, [], ""); return; }
      s.city.disabled = true;
      fetchRegions({ province: s.province.value }).then(function (cities) {
        fill(s.city, cities, "");
        if (cities.length === 1) { s.city.value = cities[0]; s.city.dispatchEvent(new Event("change")); }
      });
    });
    s.city.addEventListener("change", function () {
      if (!s.city.value) { fill(s.district, [], ""); return; }
      s.district.disabled = true;
      fetchRegions({ province: s.province.value, city: s.city.value }).then(function (districts) {
        fill(s.district, districts, "");
      });
    });

    var book = document.querySelector('select[data-address-book="' + party + '"]');
    if (book) {
      book.addEventListener("change", function () {
        var option = book.options[book.selectedIndex];
        if (!option || !option.value) return;
        ["name", "phone", "address"].forEach(function (field) {
          var input = partyInput(party, field);
          if (input) input.value = option.dataset[field] || "";
        });
        setRegion(party, option.dataset.province, option.dataset.city, option.dataset.district);
      });
    }
  }

  /* Smart fill: a pasted address fills name, phone, region and street; the filled fields stay
   * editable and are highlighted for the user to check. */
  function initSmartFill(party) {
    var box = document.querySelector('[data-smart-fill="' + party + '"]');
    if (!box) return;
    var text = box.querySelector("textarea");
    var button = box.querySelector("button");
    var status = box.querySelector("[data-smart-fill-status]");
    button.addEventListener("click", function () {
      if (!text.value.trim()) { text.focus(); return; }
      button.disabled = true;
      fetch("/api/v1/addresses/parse/", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ text: text.value })
      }).then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      }).then(function (result) {
        button.disabled = false;
        if (!result.ok) {
          status.textContent = (result.data.text || [result.data.detail || ""])[0];
          status.className = "help error";
          return;
        }
        var data = result.data;
        var filled = [];
        ["name", "phone", "address"].forEach(function (field) {
          var input = partyInput(party, field);
          if (input && data[field]) { input.value = data[field]; filled.push(input); }
        });
        var done = data.province
          ? setRegion(party, data.province, data.city, data.district)
          : Promise.resolve();
        done.then(function () {
          var s = regionSelects(party);
          [s.province, s.city, s.district].forEach(function (el) { if (el && el.value) filled.push(el); });
          filled.forEach(function (el) { el.classList.add("smart-filled"); });
          status.textContent = box.getAttribute("data-done-message");
          status.className = "help";
        });
      }).catch(function () { button.disabled = false; });
    });
    box.closest("form").addEventListener("input", function (event) {
      event.target.classList.remove("smart-filled");
    });
  }

  /* Suggest insurance once the declared value is worth protecting. */
  function initInsuranceHint() {
    var value = document.getElementById("id_declared_value");
    var insured = document.getElementById("id_insured");
    var box = document.querySelector(".insure-box");
    if (!value || !insured || !box) return;
    var update = function () {
      box.classList.toggle("suggest", Number(value.value) >= 500 && !insured.checked);
    };
    value.addEventListener("input", update);
    insured.addEventListener("change", update);
    update();
  }

  /* Quote page: show the chosen carrier's terms, untick the acceptance when the choice changes. */
  function initQuotes() {
    var form = document.getElementById("quote-form");
    if (!form) return;
    var accept = document.getElementById("id_accept_terms");
    var show = function () {
      var checked = form.querySelector('input[name="carrier"]:checked');
      var code = checked ? checked.value : "";
      form.querySelectorAll("[data-terms-for]").forEach(function (section) {
        var on = section.getAttribute("data-terms-for") === code;
        section.hidden = !on;
        // Inputs of a hidden carrier's section must not be sent with another carrier's booking.
        section.querySelectorAll("select, input[type=checkbox]").forEach(function (el) { el.disabled = !on; });
      });
      form.querySelectorAll("label.quote").forEach(function (label) {
        label.classList.toggle("selected", label.getAttribute("data-carrier") === code);
      });
    };
    form.querySelectorAll('input[name="carrier"]').forEach(function (radio) {
      radio.addEventListener("change", function () { if (accept) accept.checked = false; show(); });
    });
    form.querySelectorAll("select[data-bag-select]").forEach(function (select) {
      select.addEventListener("change", function () {
        var section = select.closest("[data-terms-for]");
        var params = new URLSearchParams({ carrier: section.getAttribute("data-terms-for"), bag_size: select.value });
        window.location.search = params.toString();
      });
    });
    show();
  }

  /* Screen the goods as the user types (DESIGN §5): the same screen as booking, through the
   * public screening API, so a prohibited item is flagged before the form is sent. */
  function initLiveScreening() {
    var input = document.getElementById("id_description");
    if (!input || !input.form) return;
    var form = input.form;
    var box = document.createElement("div");
    box.setAttribute("aria-live", "polite");
    box.setAttribute("data-testid", "live-screening");
    box.hidden = true;
    input.closest(".field").appendChild(box);
    var timer = null;
    var latest = 0;

    function value(name) {
      var el = form.elements[name];
      if (!el) return "";
      return el.type === "checkbox" ? el.checked : el.value.trim();
    }

    function show(result) {
      if (!result || result.verdict === "allowed") { box.hidden = true; box.textContent = ""; return; }
      box.className = "notice small screening-" + result.verdict + (result.verdict === "prohibited" ? " notice-danger" : "");
      box.textContent = "";
      var message = document.createElement("p");
      message.style.margin = "0";
      message.textContent = result.message;
      box.appendChild(message);
      if (result.conditions && result.conditions.length) {
        var list = document.createElement("ul");
        result.conditions.forEach(function (text) {
          var item = document.createElement("li");
          item.textContent = text;
          list.appendChild(item);
        });
        box.appendChild(list);
      }
      box.hidden = false;
    }

    function check() {
      var text = value("description");
      if (!text) { show(null); return; }
      var body = { description: text, insured: value("insured") === true };
      if (value("item_type")) body.item_type = value("item_type");
      var quantity = parseInt(value("quantity"), 10);
      if (quantity > 0) body.quantity = quantity;
      if (parseFloat(value("weight_kg")) > 0) body.weight_kg = value("weight_kg");
      if (parseFloat(value("declared_value")) >= 0) body.declared_value = value("declared_value");
      // The flags and the size as booking screens them: a boxed TV is not refused while typing.
      // An unticked box means "not said" (null), as in the booking form, not "no".
      ["original_packaging", "keep_upright"].forEach(function (name) {
        if (form.elements[name]) body[name] = value(name) === true ? true : null;
      });
      var sides = { length: value("length_cm"), width: value("width_cm"), height: value("height_cm") };
      if (parseFloat(sides.length) > 0 && parseFloat(sides.width) > 0 && parseFloat(sides.height) > 0) {
        body.dimensions_cm = sides;
      }
      var token = form.elements.csrfmiddlewaretoken ? form.elements.csrfmiddlewaretoken.value : "";
      var mine = ++latest;
      fetch("/api/v1/screening/", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": token },
        body: JSON.stringify(body)
      })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (result) { if (mine === latest && result) show(result); })
        .catch(function () { /* the server screens again at booking */ });
    }

    function later() { clearTimeout(timer); timer = setTimeout(check, 350); }
    input.addEventListener("input", later);
    ["item_type", "quantity", "weight_kg", "declared_value", "insured", "original_packaging", "keep_upright",
      "length_cm", "width_cm", "height_cm"].forEach(function (name) {
      var el = form.elements[name];
      if (el) el.addEventListener("change", later);
    });
    if (input.value) check();
  }

  document.addEventListener("DOMContentLoaded", function () {
    initLiveScreening();
    initParty("sender");
    initParty("recipient");
    initParty("from");  // the home page's estimate
    initParty("to");
    initSmartFill("sender");
    initSmartFill("recipient");
    initParty("book");  // the address book's form
    initSmartFill("book");
    initInsuranceHint();
    initQuotes();
  });
})();
