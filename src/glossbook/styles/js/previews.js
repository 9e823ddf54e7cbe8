/* glossbook: previews of cross-references in the HTML edition and the preview.

   Hovering a cross-reference (a.xref) with a mouse, or focusing it from the keyboard,
   shows its target's title and definition in a tooltip below it, from js/entries.js
   (written at build time; search.js loads it on first use). The tooltip describes the
   link (aria-describedby) while it shows; Escape dismisses it, and it stays while the
   pointer moves onto it (WCAG 1.4.13). On a touch screen there is no preview: a tap
   follows the link as it always did. */
(function () {
  "use strict";

  var tooltip = null;
  var current = null;
  var hideTimer = 0;
  var lastPointer = "mouse";

  function slugOf(link) {
    try {
      return decodeURIComponent(new URL(link.href, document.baseURI).hash.slice(1));
    } catch (error) {
      return "";
    }
  }

  function box() {
    if (!tooltip) {
      tooltip = document.createElement("div");
      tooltip.id = "xref-preview";
      tooltip.className = "xref-preview";
      tooltip.setAttribute("role", "tooltip");
      tooltip.hidden = true;
      tooltip.addEventListener("mouseenter", function () { clearTimeout(hideTimer); });
      tooltip.addEventListener("mouseleave", function () { hideSoon(); });
      document.body.appendChild(tooltip);
    }
    return tooltip;
  }

  function show(link) {
    var loader = window.glossbookLoad;
    var slug = slugOf(link);
    if (!loader || !slug) return;
    clearTimeout(hideTimer);
    current = link;
    loader.entries().then(function (data) {
      var entry = data && data.bySlug[slug];
      if (!entry || current !== link) return;
      var element = box();
      element.textContent = "";
      var title = document.createElement("strong");
      title.className = "xref-preview-title";
      title.textContent = entry.t;
      element.appendChild(title);
      if (entry.d) {
        var definition = document.createElement("p");
        definition.className = "xref-preview-definition";
        definition.textContent = entry.d;
        element.appendChild(definition);
      }
      var rect = link.getBoundingClientRect();
      element.hidden = false;
      var width = element.offsetWidth;
      var left = Math.max(8, Math.min(rect.left, document.documentElement.clientWidth - width - 8));
      element.style.left = window.scrollX + left + "px";
      element.style.top = window.scrollY + rect.bottom + 6 + "px";
      link.setAttribute("aria-describedby", element.id);
    }, function () {});
  }

  function hide() {
    clearTimeout(hideTimer);
    if (current) current.removeAttribute("aria-describedby");
    current = null;
    if (tooltip) tooltip.hidden = true;
  }

  function hideSoon() {
    clearTimeout(hideTimer);
    hideTimer = setTimeout(hide, 200);
  }

  function xrefOf(target) {
    return target && target.closest ? target.closest("a.xref") : null;
  }

  document.addEventListener("pointerdown", function (event) {
    lastPointer = event.pointerType || "mouse";
  }, true);
  document.addEventListener("pointerover", function (event) {
    var link = xrefOf(event.target);
    if (link && event.pointerType !== "touch" && link !== current) show(link);
  });
  document.addEventListener("pointerout", function (event) {
    var link = xrefOf(event.target);
    if (link && link === current && !(tooltip && tooltip.contains(event.relatedTarget))) {
      hideSoon();
    }
  });
  document.addEventListener("focusin", function (event) {
    var link = xrefOf(event.target);
    if (link && lastPointer !== "touch") show(link);
  });
  document.addEventListener("focusout", function (event) {
    if (xrefOf(event.target) === current) hide();
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && tooltip && !tooltip.hidden) hide();
    if (event.key === "Tab") lastPointer = "keyboard";
  });
})();
