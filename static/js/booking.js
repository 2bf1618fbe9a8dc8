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
          var input = document.getElementById("id_" + party + "_" + field);
          if (input) input.value = option.dataset[field] || "";
        });
        setRegion(party, option.dataset.province, option.dataset.city, option.dataset.district);
      });
    }
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

  document.addEventListener("DOMContentLoaded", function () {
    initParty("sender");
    initParty("recipient");
    initInsuranceHint();
    initQuotes();
  });
})();
