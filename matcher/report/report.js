"use strict";
// The report's only script (its sha256 is in the page's Content-Security-Policy): sorts and filters the
// overview, the cross-vacancy chart and the sections alike, and opens the section a link points to. It reads
// data-* attributes and cell text, and writes only text, attributes and element order: the page works without it.
(function () {
  var table = document.getElementById("overview-table");
  var controls = document.getElementById("controls");
  if (!table || !controls) {
    return;
  }
  var body = table.tBodies[0];
  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var rows = Array.prototype.slice.call(body.rows);
  var chart = document.getElementById("band-chart");
  var sortSelect = document.getElementById("sort-by");
  var shown = document.getElementById("shown");
  var filters = Array.prototype.slice.call(controls.querySelectorAll("[data-filter]"));
  var sorted = { column: -1, direction: 1 };
  var position = new Map();
  rows.forEach(function (row, i) {
    position.set(row, i);
  });
  // each row's chart row and section, found once (a query per row would scan a 20 MB page)
  function byKey(selector) {
    var found = new Map();
    document.querySelectorAll(selector).forEach(function (el) {
      found.set(el.getAttribute("data-key"), el);
    });
    return found;
  }
  var bars = byKey("#band-chart li");
  var sections = byKey("section.vacancy");

  function sortValue(row, column) {
    var cell = row.cells[column];
    var value = cell.getAttribute("data-sort");
    return value === null ? cell.textContent.trim().toLowerCase() : value;
  }

  function sortBy(column, direction) {
    var numeric = heads[column].getAttribute("data-type") === "num";
    var order = rows.slice();
    order.sort(function (a, b) {
      var x = sortValue(a, column);
      var y = sortValue(b, column);
      if (x === "" || y === "") {
        return (x === "" ? 1 : 0) - (y === "" ? 1 : 0); // no value: last either way
      }
      var d = numeric ? parseFloat(x) - parseFloat(y) : x.localeCompare(y);
      return d * direction || position.get(a) - position.get(b);
    });
    order.forEach(function (row) {
      body.appendChild(row);
      var bar = bars.get(row.getAttribute("data-key"));
      if (bar) {
        chart.appendChild(bar);
      }
    });
    sorted = { column: column, direction: direction };
    heads.forEach(function (head, i) {
      if (head.hasAttribute("data-type")) {
        head.setAttribute("aria-sort", i !== column ? "none" : direction > 0 ? "ascending" : "descending");
      }
    });
    sortSelect.value = column + ":" + direction;
  }

  function applyFilters() {
    var wanted = {};
    filters.forEach(function (control) {
      wanted[control.getAttribute("data-filter")] = control.value.trim().toLowerCase();
    });
    var n = 0;
    rows.forEach(function (row) {
      var keep =
        (!wanted.verdict || row.getAttribute("data-verdict") === wanted.verdict) &&
        (!wanted.country || row.getAttribute("data-country") === wanted.country) &&
        (!wanted.confidence || row.getAttribute("data-confidence") === wanted.confidence) &&
        (!wanted.text || row.textContent.toLowerCase().indexOf(wanted.text) >= 0);
      var key = row.getAttribute("data-key");
      [row, bars.get(key), sections.get(key)].forEach(function (el) {
        if (el) {
          el.hidden = !keep;
        }
      });
      n += keep ? 1 : 0;
    });
    shown.textContent = n + " of " + rows.length + " vacancies shown";
  }

  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id && document.getElementById(id);
    var details = target && (target.querySelector("details") || target.closest("details"));
    if (details) {
      details.open = true;
    }
  }

  heads.forEach(function (head, column) {
    if (!head.hasAttribute("data-type")) {
      return;
    }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "sort";
    button.textContent = head.textContent;
    button.title = "Sort by " + head.textContent;
    head.textContent = "";
    head.appendChild(button);
    head.setAttribute("aria-sort", "none");
    button.addEventListener("click", function () {
      sortBy(column, sorted.column === column ? -sorted.direction : 1);
    });
  });
  sortSelect.addEventListener("change", function () {
    if (sortSelect.value) {
      var parts = sortSelect.value.split(":");
      sortBy(parseInt(parts[0], 10), parseInt(parts[1], 10));
    }
  });
  filters.forEach(function (control) {
    control.addEventListener("input", applyFilters);
    control.addEventListener("change", applyFilters);
  });
  function expand(open) {
    document.querySelectorAll("section.vacancy > details").forEach(function (details) {
      details.open = open;
    });
  }
  controls.querySelectorAll("[data-expand]").forEach(function (button) {
    button.addEventListener("click", function () {
      expand(button.getAttribute("data-expand") === "open");
    });
  });
  window.addEventListener("beforeprint", function () {
    expand(true); // a printout has every section
  });
  window.addEventListener("hashchange", openTarget);
  openTarget();
  controls.hidden = false;
  applyFilters();
})();
