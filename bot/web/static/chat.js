// Entryway web chat. Every text goes into the page with textContent, never as
// HTML, so nothing a user or the bot says can inject markup.
//
// The page does not know who it is: the app issues the chat identity in an HttpOnly
// cookie (see bot/web_identity.py) that this script cannot read, and the browser sends
// it with every request. Only the conversation as shown stays in this tab
// (sessionStorage); "Remember me" asks the app to keep the identity for 30 days.
(() => {
  "use strict";
  const HISTORY_KEY = "entryway.history";
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
    who.textContent = entry.from === "bot" ? "Entryway said:" : "You said:";
    const bubble = document.createElement("div");
    bubble.className = "bubble";
    bubble.textContent = entry.text;
    item.append(who, bubble);
    if (live && entry.buttons && entry.buttons.length) {
      const group = document.createElement("div");
      group.className = "choices";
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", "Suggested answers");
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

  async function deliver(message, shownAs) {
    clearChoices();
    show({ from: "user", text: shownAs || message });
    send.disabled = true;
    status.textContent = "Entryway is typing…";
    try {
      await session;
      const response = await post("/chat/message", { message });
      const body = await response.json().catch(() => null);
      if (!response.ok) {
        const detail = body && body.detail ? body.detail : "Something went wrong.";
        show({ from: "bot", text: detail + " Your earlier answers are safe." });
      } else if (Array.isArray(body)) {
        for (const reply of body) {
          if (typeof reply.text === "string" || Array.isArray(reply.buttons)) {
            show({ from: "bot", text: reply.text || "", buttons: reply.buttons || [] });
          }
        }
      }
    } catch (error) {
      show({ from: "bot", text: "I can't reach the server. Check your connection and try again; your earlier answers are safe." });
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
      status.textContent = wanted
        ? "This device will remember you for 30 days."
        : "This conversation will be forgotten when you close the browser.";
    } catch (error) {
      rememberMe.checked = !wanted;
      status.textContent = "That did not work; please try again.";
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
    show({ from: "bot", text: "Hello! I'm Entryway. Vendors can submit a proposal, residents can share an idea, anyone can report where City procurement got in the way or check a submission's status. How can I help?",
      buttons: [
        { title: "Submit a proposal", payload: "I want to submit a proposal" },
        { title: "Share an idea", payload: "I have an idea for the city" },
        { title: "Check a status", payload: "Check the status of my submission" },
        { title: "Help", payload: "help" },
      ] });
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
