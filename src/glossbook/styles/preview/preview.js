// glossbook preview client, injected by `glossbook preview` into the pages it serves (the
// built edition never carries it). It listens to the server's events: a new build reloads
// the page at the reader's place; a failed build lists its problems over the page.
(() => {
  "use strict";
  const script = document.currentScript;
  const site = script.dataset.site;
  const events = script.dataset.events;
  const PLACE = "glossbook-preview:place";
  const here = location.pathname + location.search;

  // --- keeping the reader's place across reloads -------------------------------------
  function savePlace() {
    try {
      sessionStorage.setItem(
        PLACE,
        JSON.stringify({ page: here, x: window.scrollX, y: window.scrollY }),
      );
      return true;
    } catch (e) {
      return false; // storage disabled: leave it to the browser's own scroll restoration
    }
  }

  function restorePlace() {
    let place = null;
    try {
      place = JSON.parse(sessionStorage.getItem(PLACE) || "null");
    } catch (e) {
      return;
    }
    if (!place || place.page !== here) {
      return;
    }
    const apply = () => window.scrollTo(place.x || 0, place.y || 0);
    const finish = () => {
      apply();
      sessionStorage.removeItem(PLACE);
      history.scrollRestoration = "auto";
    };
    apply(); // now, with the text laid out; again once images have their size
    if (document.readyState === "complete") {
      finish();
    } else {
      window.addEventListener("load", finish, { once: true });
    }
  }

  function reload() {
    if (savePlace()) history.scrollRestoration = "manual";
    location.reload();
  }

  // --- the error overlay (drawn like the server's overlay_html) ----------------------
  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function drawOverlay(problems) {
    const overlay = element("div", "glossbook-overlay");
    overlay.id = "glossbook-overlay";
    overlay.setAttribute("role", "alert");
    const box = element("div", "glossbook-overlay-box");
    const count = problems.length;
    box.append(
      element(
        "p",
        "glossbook-overlay-title",
        `The book has ${count} error${count === 1 ? "" : "s"}; showing the last good build.`,
      ),
    );
    const list = element("ol", "glossbook-overlay-list");
    for (const problem of problems) {
      const item = element("li");
      item.append(element("code", "glossbook-location", problem.location), " ");
      item.append(element("span", "glossbook-message", problem.message));
      if (problem.hint) {
        item.append(" ", element("span", "glossbook-hint", problem.hint));
      }
      list.append(item);
    }
    box.append(list);
    const close = element("button", "glossbook-overlay-close", "Hide");
    close.type = "button";
    box.append(close);
    overlay.append(box);
    return overlay;
  }

  function showProblems(problems) {
    const current = document.getElementById("glossbook-overlay");
    if (!problems.length) {
      if (current) current.remove();
      return;
    }
    const fresh = drawOverlay(problems);
    if (current) {
      current.replaceWith(fresh);
    } else {
      document.body.append(fresh);
    }
  }

  document.addEventListener("click", (event) => {
    const target = event.target;
    if (target instanceof Element && target.matches(".glossbook-overlay-close")) {
      const overlay = target.closest(".glossbook-overlay");
      if (overlay) overlay.hidden = true;
    }
  });

  // --- the connection ------------------------------------------------------------------
  function setOffline(offline) {
    let badge = document.getElementById("glossbook-offline");
    if (!offline) {
      if (badge) badge.remove();
      return;
    }
    if (!badge) {
      badge = element("div", "glossbook-offline", "Preview server stopped; reconnecting…");
      badge.id = "glossbook-offline";
      badge.setAttribute("role", "status");
      document.body.append(badge);
    }
  }

  function connect() {
    const source = new EventSource(events);
    source.addEventListener("state", (event) => {
      setOffline(false);
      const state = JSON.parse(event.data);
      if (state.site !== site) {
        source.close();
        reload();
        return;
      }
      showProblems(state.problems);
    });
    source.addEventListener("open", () => setOffline(false));
    source.addEventListener("error", () => {
      if (source.readyState !== EventSource.OPEN) setOffline(true);
    });
  }

  restorePlace();
  connect();
})();
