// Entryway web chat. Every text goes into the page with textContent, never as
// HTML, so nothing a user or the bot says can inject markup.
//
// The page does not know who it is: the app issues the chat identity in an HttpOnly
// cookie (see bot/web_identity.py) that this script cannot read, and the browser sends
// it with every request. Only the conversation as shown stays in this tab
// (sessionStorage); "Remember me" asks the app to keep the identity for 30 days.
//
// Every text it shows comes from the page, in the page's language (the JSON block
// #page-texts, rendered from the catalogue by the app): none is written here. Each
// message tells the assistant the page's language; when the assistant answers in the
// other one (the person wrote Spanish on the English page), the page follows it.
(() => {
  "use strict";
  const HISTORY_KEY = "entryway.history";
  const TEXTS = JSON.parse(document.getElementById("page-texts").textContent);
  const LANGUAGE = document.documentElement.lang;
  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("message");
  const send = document.getElementById("send");
  const status = document.getElementById("status");
  const rememberMe = document.getElementById("remember");

  // Earlier versions of this page kept a self-chosen identity here, forever.
  localStorage.removeItem("entryway.sender");

  async function post(path, body, method) {
    const options = { method: method || "POST", credentials: "same-origin" };
    if (body !== undefined) {
      options.headers = { "Content-Type": "application/json" };
      options.body = JSON.stringify(body);
    }
    return fetch(path, options);
  }
  // The identity cookies are issued once, before anything else is sent, so two first
  // requests cannot each be given a different identity.
  const session = fetch("/chat/session", { credentials: "same-origin" })
    .then((response) => (response.ok ? response.json() : null))
    .then((state) => { if (state) rememberMe.checked = Boolean(state.remembered); })
    .catch(() => {});

  function loadHistory() {
    try { return JSON.parse(sessionStorage.getItem(HISTORY_KEY)) || []; } catch { return []; }
  }
  function remember(entry) {
    const history = loadHistory();
    history.push(entry);
    sessionStorage.setItem(HISTORY_KEY, JSON.stringify(history.slice(-200)));
  }

  function render(entry, live) {
    const item = document.createElement("li");
    item.className = entry.from;
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = entry.from === "bot" ? TEXTS.bot_said : TEXTS.you_said;
    const bubble = document.createElement("div");
    bubble.className = "bubble";
    bubble.textContent = entry.text;
    item.append(who, bubble);
    if (live && entry.buttons && entry.buttons.length) {
      const group = document.createElement("div");
      group.className = "choices";
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", TEXTS.suggested);
      for (const choice of entry.buttons) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = String(choice.title);
        button.addEventListener("click", () => {
          group.remove();
          deliver(String(choice.payload), String(choice.title));
        });
        group.append(button);
      }
      item.append(group);
    }
    log.append(item);
    item.scrollIntoView({ block: "end" });
  }
  function show(entry) { remember(entry); render(entry, true); }

  function clearChoices() { document.querySelectorAll(".choices").forEach((g) => g.remove()); }

  // `follow`: whether the page follows the language the assistant then speaks (not when
  // the person is switching it themselves: the switch decides).
  async function deliver(message, shownAs, follow = true) {
    clearChoices();
    show({ from: "user", text: shownAs || message });
    send.disabled = true;
    status.textContent = TEXTS.typing;
    try {
      await session;
      const response = await post("/chat/message", { message, language: LANGUAGE });
      const body = await response.json().catch(() => null);
      if (!response.ok) {
        // The app's error details are English, for developers: the person reads why in
        // the page's language.
        const why = { 413: TEXTS.too_large, 429: TEXTS.too_many }[response.status];
        show({ from: "bot", text: (why || TEXTS.went_wrong) + " " + TEXTS.answers_safe });
      } else if (Array.isArray(body)) {
        for (const reply of body) {
          if (typeof reply.text === "string" || Array.isArray(reply.buttons)) {
            show({ from: "bot", text: reply.text || "", buttons: reply.buttons || [] });
          }
        }
        if (follow) followLanguage(response.headers.get("Content-Language"));
      }
    } catch (error) {
      show({ from: "bot", text: TEXTS.unreachable });
    } finally {
      status.textContent = "";
      send.disabled = false;
      input.focus();
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    deliver(text);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  rememberMe.addEventListener("change", async () => {
    await session;
    const wanted = rememberMe.checked;
    try {
      const response = await post("/chat/session", { remember: wanted }, "PUT");
      if (!response.ok) throw new Error(String(response.status));
      status.textContent = wanted ? TEXTS.remembered : TEXTS.forgotten;
    } catch (error) {
      rememberMe.checked = !wanted;
      status.textContent = TEXTS.retry;
    }
  });
  document.getElementById("restart").addEventListener("click", async () => {
    await session;
    try {
      await post("/chat/session", { remember: rememberMe.checked });  // a fresh identity
    } catch (error) {
      // Offline: the next message is still sent, and the app issues what is missing.
    }
    sessionStorage.removeItem(HISTORY_KEY);
    log.replaceChildren();
    greet();
  });

  function greet() {
    show({ from: "bot", text: TEXTS.greeting, buttons: TEXTS.menu });
  }

  // The assistant now speaks another language than the page's: the page is opened
  // again in it (the conversation so far is kept in this tab, and the choice in a
  // cookie), so its own texts match what the person reads.
  function followLanguage(spoken) {
    if (spoken && spoken !== LANGUAGE && /^[a-z]{2}$/.test(spoken)) {
      window.location.replace("?lang=" + spoken);
    }
  }

  // The "English | Español" switch: links that work without this script. With it, the
  // assistant is told too (as its own language buttons do), so the conversation goes on
  // in the chosen language and a later button press does not bring the page back.
  for (const link of document.querySelectorAll("a[hreflang]")) {
    link.addEventListener("click", async (event) => {
      const chosen = link.getAttribute("hreflang");
      if (chosen === LANGUAGE) return;
      event.preventDefault();
      const entity = JSON.stringify({ language: chosen });
      await deliver("/switch_language" + entity, link.textContent, false);
      window.location.replace(link.href);
    });
  }

  // What City staff decided about this person's submissions since their last visit.
  async function showInbox() {
    try {
      await session;
      const response = await post("/chat/inbox");
      const messages = response.ok ? await response.json() : [];
      for (const message of Array.isArray(messages) ? messages : []) {
        if (typeof message.text === "string") {
          show({ from: "bot", text: message.text, buttons: message.buttons || [] });
        }
      }
    } catch (error) {
      // Offline: the messages stay unseen and are shown on the next visit.
    }
  }

  const history = loadHistory();
  if (history.length) history.forEach((entry, i) => render(entry, i === history.length - 1));
  else greet();
  showInbox();
  input.focus();
})();
