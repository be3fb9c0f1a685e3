export default { render({ model, el }) {
  const routes = () => model.get("routes");
  const keyOf = (hash) => {
    const key = decodeURIComponent((hash || "").replace(/^#\/?/, ""));
    return routes().includes(key) ? key : null;
  };
  let touched = 0, fresh = new Set(), current = null;
  const send = (message) => {
    try { model.send({ ...message, seq: touched }); } catch (e) { /* the kernel has gone: the note says so */ }
  };
  const report = (initial) => {
    let key = keyOf(location.hash);
    if (key === null && !initial) return;  // an anchor inside a page, not a route
    if (key === null) key = sessionStorage.getItem("wb-route") || "";
    send({ event: "location", hash: key, search: location.search, language: navigator.language });
  };
  const afterPaint = (f) => requestAnimationFrame(() => setTimeout(f, 0));
  const whenIdle = window.requestIdleCallback || ((f) => setTimeout(f, 300));
  // Show the page at `key` (CSS reads the attribute). With `moved`, start at its top:
  // scrolled up, and focus on its heading for keyboard and screen reader users. Only the
  // attribute changes at once; the rest waits for the frame that draws the page, so the
  // browser works out the page's style and layout once, not again for each step (a
  // scroll or a new tabindex in the click made it do so twice: ~5 ms of a ~20 ms switch).
  const display = (key, title, moved) => {
    current = key;
    document.documentElement.dataset.wbShow = key;
    requestAnimationFrame(() => {
      if (current !== key) return;
      if (moved) {
        window.scrollTo(0, 0);
        const heading = document.querySelector(`.wb-stage-${key} h1`);
        if (heading) {
          if (!heading.hasAttribute("tabindex")) heading.tabIndex = -1;  // once: a change costs a restyle
          heading.focus({ preventScroll: true });
        }
      }
      setTimeout(() => {
        if (current !== key) return;
        sessionStorage.setItem("wb-route", key);
        if (title) document.title = title;
      }, 0);
    });
  };
  const onHash = () => {
    const key = keyOf(location.hash);
    if (key !== null && key !== current && fresh.has(key)) {
      display(key, model.get("titles")[key], true);
      afterPaint(() => report(false));  // Python hears of it once the page is on screen
    } else report(false);
  };
  window.addEventListener("hashchange", onHash);
  // A plain click on a link to another page is handled here, not by the browser: the
  // browser's own way (a fragment navigation, then `hashchange` in a task of its own)
  // took about as long as drawing the page. Back and forward still fire `hashchange`.
  const onLink = (event) => {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;  // a new tab or window
    const link = event.target.closest && event.target.closest('a[href^="#"]');
    const key = link ? keyOf(link.getAttribute("href")) : null;
    if (key === null || key === keyOf(location.hash)) return;
    event.preventDefault();
    history.pushState(null, "", link.getAttribute("href"));
    onHash();
  };
  document.addEventListener("click", onLink, true);
  // Touching a control may change the workbook, so other pages may be out of date.
  const onTouch = (event) => {
    if (event.type === "click" && event.target.closest && event.target.closest('a[href^="#"], summary')) return;
    touched += 1;
    fresh = new Set();
    idle();
  };
  const touches = ["input", "change", "click"];
  touches.forEach((type) => document.addEventListener(type, onTouch, true));

  // A calm note when the kernel no longer answers (laptop asleep, server restarted).
  const lost = document.createElement("div");
  lost.className = "wb-lost";
  lost.setAttribute("role", "alert");
  lost.hidden = true;
  const text = document.createElement("p");
  const reload = document.createElement("button");
  reload.type = "button";
  reload.addEventListener("click", () => location.reload());
  lost.append(text, reload);
  document.body.append(lost);
  const wording = () => {
    text.textContent = model.get("lost_text");
    reload.textContent = model.get("reload_label");
  };
  wording();
  model.on("change:lost_text change:reload_label", wording);

  // Every beat asks the kernel to answer; no answer in time means it has gone.
  let answered = true, late = null;
  const ping = () => {
    answered = false;
    clearTimeout(late);
    late = setTimeout(() => { if (!answered) lost.hidden = false; }, model.get("answer_within") * 1000);
    try { model.send({ event: "ping" }); } catch (e) { lost.hidden = false; }
  };
  const beat = setInterval(ping, model.get("heartbeat") * 1000);
  const onVisible = () => { if (document.visibilityState === "visible") ping(); };  // back from sleep
  document.addEventListener("visibilitychange", onVisible);

  // Python builds the other pages while the browser has had nothing to do for a while;
  // one page at a time, so the page the person reads stays quick.
  let idleTimer = null;
  const idle = () => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => whenIdle(() => send({ event: "idle" }), { timeout: 5000 }), 1500);
  };
  // Tell Python when a page is drawn, so it makes its charts then.
  // Asked once the browser has drawn the page and caught its breath, and only if the
  // person is still there: moving straight on never waits for the charts left behind.
  const whenDrawn = (key, tries) => {
    if (current !== key) return;
    if (document.querySelector(`.wb-stage-${key} .app-ready`)) {
      whenIdle(() => { if (current === key) send({ event: "drawn", key }); }, { timeout: 300 });
    } else if (tries > 0) setTimeout(() => whenDrawn(key, tries - 1), 50);
  };

  model.on("msg:custom", (msg) => {
    if (msg.event === "pong") { answered = true; clearTimeout(late); lost.hidden = true; }
    if (msg.fresh && msg.seq === touched) fresh = new Set(msg.fresh);
    if (msg.event === "more") idle();
    if (msg.event === "shown") {
      // A page the address no longer names (the person moved on since) stays hidden.
      const wanted = keyOf(location.hash);
      if (wanted === null || wanted === msg.key) {
        if (current !== msg.key) display(msg.key, msg.title, msg.moved);
        else document.title = msg.title;
        whenDrawn(msg.key, 600);
      }
      idle();
    }
    if (msg.event === "workbook") {
      const params = new URLSearchParams(location.search);
      params.delete("workbook");
      params.delete("client");
      params.delete("token");  // the login cookie carries on; keep the token out of sight
      if (msg.slug) params.set(msg.param, msg.slug);
      const query = params.toString();
      history.replaceState(history.state, "", location.pathname + (query ? "?" + query : "") + location.hash);
    }
  });
  report(true);
  return () => {
    clearInterval(beat);
    clearTimeout(late);
    clearTimeout(idleTimer);
    window.removeEventListener("hashchange", onHash);
    document.removeEventListener("click", onLink, true);
    touches.forEach((type) => document.removeEventListener(type, onTouch, true));
    document.removeEventListener("visibilitychange", onVisible);
    lost.remove();
  };
} };
