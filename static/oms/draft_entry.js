/* Draft entry: when a product is picked, its price, tax rate and stock show on the line at once, and the running
   totals follow every change. An estimate for the clerk: the saved order is priced by the server (orders.pricing),
   and an empty price or tax rate still means "the product's". */
(function () {
  "use strict";
  const LINE = /^id_lines-(\d+)-(\w+)$/;

  function cents(value) {
    const number = parseFloat(String(value || "").replace(",", "."));
    return Number.isFinite(number) ? Math.round(number * 100) : null;
  }
  function money(amount) {
    const sign = amount < 0 ? "−" : "";
    const abs = Math.abs(amount);
    return sign + Math.floor(abs / 100) + "." + String(abs % 100).padStart(2, "0");
  }
  function field(index, name) {
    return document.getElementById(`id_lines-${index}-${name}`);
  }
  function lineIndexes() {
    const indexes = new Set();
    document.querySelectorAll("[id^=id_lines-]").forEach((element) => {
      const match = LINE.exec(element.id);
      if (match && match[1] !== "__prefix__") indexes.add(match[1]);
    });
    return [...indexes].sort((a, b) => a - b);
  }
  function box() {
    return document.getElementById("draft-totals");
  }
  function includesTax() {
    return box() ? box().dataset.pricesIncludeTax === "1" : true;
  }

  // One line's amounts in cents, or null while it has no quantity or price.
  function lineAmounts(index) {
    const quantity = parseInt((field(index, "quantity") || {}).value, 10);
    const priceInput = field(index, "unit_price");
    const price = priceInput ? cents(priceInput.value || priceInput.placeholder) : null;
    const deleted = field(index, "DELETE");
    if (!quantity || price === null || (deleted && deleted.checked)) return null;
    const discount = cents((field(index, "discount_amount") || {}).value) || 0;
    const rateSelect = field(index, "tax_rate");
    const rate = parseFloat((rateSelect && (rateSelect.value || rateSelect.dataset.productRate)) || "0");
    const base = quantity * price - discount;
    if (includesTax()) {
      const tax = Math.round((base * rate) / (100 + rate));
      return { gross: base, tax: tax };
    }
    const tax = Math.round((base * rate) / 100);
    return { gross: base + tax, tax: tax };
  }

  function preview(index) {
    const quantity = field(index, "quantity");
    if (!quantity) return;
    const cell = (field(index, "tax_rate") || quantity).parentElement;
    let note = document.getElementById(`line-preview-${index}`);
    if (!note) {
      note = document.createElement("div");
      note.id = `line-preview-${index}`;
      note.className = "line-preview";
      cell.appendChild(note);
    }
    const amounts = lineAmounts(index);
    const product = field(index, "product");
    const sellable = product && product.dataset.sellable;
    let text = amounts ? `Line total ${money(amounts.gross)} (tax ${money(amounts.tax)})` : "";
    if (sellable !== undefined && sellable !== "") {
      const short = parseInt(quantity.value || "0", 10) > parseInt(sellable, 10);
      text += `${text ? " · " : ""}${sellable} in stock${short ? " — not enough" : ""}`;
      note.classList.toggle("short", short);
    }
    note.textContent = text;
  }

  function totals() {
    if (!box()) return;
    let goods = 0;
    let tax = 0;
    lineIndexes().forEach((index) => {
      preview(index);
      const amounts = lineAmounts(index);
      if (amounts) {
        goods += amounts.gross;
        tax += amounts.tax;
      }
    });
    const discount = cents((document.getElementById("id_discount_amount") || {}).value) || 0;
    const fee = cents((document.getElementById("id_shipping_fee") || {}).value) || 0;
    const shippingRate = parseFloat(box().dataset.shippingTaxRate || "0");
    const shipping = includesTax() ? fee : fee + Math.round((fee * shippingRate) / 100);
    const set = (id, value) => {
      const element = document.getElementById(id);
      if (element) element.textContent = money(value);
    };
    set("running-goods", goods);
    set("running-discount", -discount);
    set("running-shipping", shipping);
    set("running-tax", tax);
    set("running-total", goods - discount + shipping);
  }

  // The admin's select2 autocomplete reports the chosen product with the extra data the product view adds.
  function productChosen(event) {
    const select = event.target;
    const match = LINE.exec(select.id || "");
    const data = event.params && event.params.data;
    if (!match || !data) return;
    const index = match[1];
    select.dataset.sellable = data.sellable === undefined ? "" : data.sellable;
    const price = field(index, "unit_price");
    if (price && data.price) {
      price.placeholder = data.price;
      // A new line starts at the model's 0.00: clear it, so the product's price shows and is the one used.
      if (!price.value || parseFloat(price.value) === 0) price.value = "";
    }
    const rate = field(index, "tax_rate");
    if (rate && data.tax_rate) {
      rate.dataset.productRate = data.tax_rate;
      const empty = rate.querySelector("option[value='']");
      if (empty) empty.textContent = `Product's rate (${parseFloat(data.tax_rate)}%)`;
    }
    const name = field(index, "name");
    if (name && data.text) name.placeholder = data.text.split(" — ")[0].split(" · ").slice(1).join(" · ");
    totals();
  }

  function start() {
    if (!box()) return;
    document.addEventListener("input", totals);
    document.addEventListener("change", totals);
    document.addEventListener("formset:added", totals);
    document.addEventListener("formset:removed", totals);
    if (window.django && window.django.jQuery) {
      window.django.jQuery(document).on("select2:select", "select[id^=id_lines-]", productChosen);
    }
    totals();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
