/*
 * Trợ lý VssID web chat widget. Embed with one tag:
 *   <script src="https://<rasa-host>/webhooks/webchat/static/widget.js" defer></script>
 * Optional attributes: data-open="true" (open on load), data-server="<url of /webhooks/webchat/>".
 *
 * Plain JavaScript, no build step, no dependencies. Nothing is ever parsed as HTML: every text
 * from the user or the bot reaches the page through textContent / createTextNode, and the tiny
 * formatter below builds <p>, <br>, <ol>, <ul>, <strong> and <a> elements itself (links only
 * for http:, https:, mailto: and tel:). So there is no sanitiser to keep up to date.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || window.__vssidWebchat) return;
  window.__vssidWebchat = true;

  var STATIC_BASE = new URL(".", script.src);
  var API_BASE = new URL(script.getAttribute("data-server") || "../", STATIC_BASE);
  var STORAGE_KEY = "vssid-webchat:" + API_BASE.href;
  var OPEN_KEY = STORAGE_KEY + ":open";
  var RETRY_MAX_MS = 30000;
  var POLL_TIMEOUT_MS = 60000;

  var TEXT = {
    launcher: "Hỏi Trợ lý VssID",
    title: "Trợ lý VssID",
    subtitle: "Hỗ trợ ứng dụng BHXH số VssID",
    close: "Đóng cửa sổ trò chuyện",
    log: "Cuộc trò chuyện",
    inputLabel: "Nhập câu hỏi của bạn",
    placeholder: "Nhập câu hỏi…",
    send: "Gửi",
    you: "Bạn: ",
    bot: "Trợ lý: ",
    typing: "Trợ lý đang trả lời…",
    suggestions: "Gợi ý trả lời",
    image: "Hình ảnh",
    unread: " tin nhắn mới",
    sendFailed: "Chưa gửi được tin nhắn. Vui lòng kiểm tra kết nối và thử lại.",
    end: "Kết thúc trò chuyện",
    ended: "Cuộc trò chuyện đã kết thúc. Bạn có thể hỏi tiếp để bắt đầu cuộc trò chuyện mới.",
    expired: "Phiên trò chuyện đã hết hạn. Vui lòng gửi lại tin nhắn.",
    connectFailed: "Không kết nối được tới Trợ lý VssID. Vui lòng thử lại sau."
  };

  // ---------------------------------------------------------------- safe rich text

  var ORDERED = /^\s*(\d{1,3})[.)]\s+(.*)$/;
  var BULLET = /^\s*[-•*]\s+(.*)$/;
  // **bold** | [label](url) | bare URL | e-mail | 1900/1800 hotline
  var INLINE = /\*\*([^*]+)\*\*|\[([^\]]+)\]\((https?:\/\/[^\s)]+)\)|(https?:\/\/[^\s<>"]+)|([\w.+-]+@[\w-]+(?:\.[\w-]+)+)|\b((?:1900|1800)[ .]?\d{4})\b/g;
  var SAFE_PROTOCOLS = ["http:", "https:", "mailto:", "tel:"];

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = text;
    return node;
  }

  function link(href, label) {
    var url;
    try {
      url = new URL(href);
    } catch (e) {
      return document.createTextNode(label);
    }
    if (SAFE_PROTOCOLS.indexOf(url.protocol) < 0) return document.createTextNode(label);
    var a = el("a", null, label);
    a.href = url.href;
    if (url.protocol === "http:" || url.protocol === "https:") {
      a.target = "_blank";
      a.rel = "noopener noreferrer";
    }
    return a;
  }

  function appendInline(parent, text) {
    var last = 0;
    var match;
    INLINE.lastIndex = 0;
    while ((match = INLINE.exec(text)) !== null) {
      var token = match[0];
      var trailing = "";
      if (match[4]) {
        // Sentence punctuation after a bare URL is not part of it.
        var cut = /[.,;:!?)]+$/.exec(token);
        if (cut) {
          trailing = cut[0];
          token = token.slice(0, -trailing.length);
        }
      }
      parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      if (match[1]) parent.appendChild(el("strong", null, match[1]));
      else if (match[2]) parent.appendChild(link(match[3], match[2]));
      else if (match[4]) parent.appendChild(link(token, token));
      else if (match[5]) parent.appendChild(link("mailto:" + token, token));
      else parent.appendChild(link("tel:" + token.replace(/\D/g, ""), token));
      if (trailing) parent.appendChild(document.createTextNode(trailing));
      last = match.index + match[0].length;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function appendList(parent, lines, i, pattern, tag) {
    var list = el(tag);
    var first = pattern.exec(lines[i]);
    if (tag === "ol" && first[1] !== "1") list.start = Number(first[1]);
    var m;
    while (i < lines.length && (m = pattern.exec(lines[i]))) {
      var item = el("li");
      appendInline(item, m[m.length - 1]);
      list.appendChild(item);
      i += 1;
    }
    parent.appendChild(list);
    return i;
  }

  /** Paragraphs on blank lines, <br> on line breaks, lists for "1. …" and "- …" lines. */
  function appendRichText(parent, text) {
    text.replace(/\r\n?/g, "\n").split(/\n\s*\n/).forEach(function (block) {
      var lines = block.split("\n");
      var i = 0;
      while (i < lines.length) {
        if (ORDERED.test(lines[i])) {
          i = appendList(parent, lines, i, ORDERED, "ol");
        } else if (BULLET.test(lines[i])) {
          i = appendList(parent, lines, i, BULLET, "ul");
        } else {
          var p = el("p");
          var firstLine = true;
          while (i < lines.length && !ORDERED.test(lines[i]) && !BULLET.test(lines[i])) {
            if (!firstLine) p.appendChild(el("br"));
            appendInline(p, lines[i]);
            firstLine = false;
            i += 1;
          }
          if (p.textContent.trim()) parent.appendChild(p);
        }
      }
    });
  }

  // ---------------------------------------------------------------- server API

  function ApiError(status, message, serverMessage) {
    this.status = status;
    this.message = message;
    this.serverMessage = serverMessage || ""; // Vietnamese text from the server (429, 413, ...)
  }

  function loadSession() {
    try {
      var stored = JSON.parse(localStorage.getItem(STORAGE_KEY) || "null");
      if (stored && stored.expires_at && stored.expires_at * 1000 <= Date.now()) return null;
      return stored && stored.session_id && stored.token ? stored : null;
    } catch (e) {
      return null;
    }
  }

  function saveSession(value) {
    try {
      if (value) localStorage.setItem(STORAGE_KEY, JSON.stringify(value));
      else localStorage.removeItem(STORAGE_KEY);
    } catch (e) {
      /* storage disabled: the conversation then lasts as long as the page */
    }
  }

  function api(method, path, body, session, timeoutMs) {
    var headers = { Accept: "application/json" };
    if (body) headers["Content-Type"] = "application/json";
    if (session) {
      headers["X-Webchat-Session"] = session.session_id;
      headers.Authorization = "Bearer " + session.token;
    }
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, timeoutMs || 30000);
    return fetch(new URL(path, API_BASE), {
      method: method,
      headers: headers,
      body: body ? JSON.stringify(body) : undefined,
      cache: "no-store",
      credentials: "omit",
      signal: controller.signal
    }).then(function (res) {
      clearTimeout(timer);
      if (!res.ok) {
        return res.json().catch(function () { return {}; }).then(function (data) {
          throw new ApiError(res.status, "HTTP " + res.status, data && data.message);
        });
      }
      return res.json();
    }, function (err) {
      clearTimeout(timer);
      if (err instanceof ApiError) throw err;
      throw new ApiError(0, String(err));
    });
  }

  // ---------------------------------------------------------------- UI

  // A shadow root keeps the host page's styles out of the widget and the widget's out of the page.
  var host = el("div");
  host.id = "vssid-webchat";
  host.style.display = "none"; // until widget.css has loaded, to avoid a flash of unstyled UI
  var root = host.attachShadow({ mode: "open" });
  var css = el("link");
  css.rel = "stylesheet";
  css.href = new URL("widget.css", STATIC_BASE).href;
  css.onload = css.onerror = function () { host.style.display = ""; };
  root.appendChild(css);

  var launcher = el("button", "launcher");
  launcher.type = "button";
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", "vssid-panel");
  launcher.appendChild(el("span", "launcher-icon", "💬")).setAttribute("aria-hidden", "true");
  launcher.appendChild(el("span", "launcher-label", TEXT.launcher));
  var badge = launcher.appendChild(el("span", "badge"));
  badge.hidden = true;

  var panel = el("section", "panel");
  panel.id = "vssid-panel";
  panel.hidden = true;
  panel.setAttribute("aria-labelledby", "vssid-title");

  var header = panel.appendChild(el("header", "header"));
  var heading = header.appendChild(el("div", "heading"));
  heading.appendChild(el("h2", "title", TEXT.title)).id = "vssid-title";
  heading.appendChild(el("p", "subtitle", TEXT.subtitle));
  var endButton = header.appendChild(el("button", "end", TEXT.end));
  endButton.type = "button";
  var closeButton = header.appendChild(el("button", "close", "×"));
  closeButton.type = "button";
  closeButton.setAttribute("aria-label", TEXT.close);

  var log = panel.appendChild(el("div", "log"));
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  log.setAttribute("aria-label", TEXT.log);
  log.tabIndex = 0;

  var typing = panel.appendChild(el("div", "typing"));
  typing.setAttribute("role", "status");
  typing.hidden = true;
  typing.appendChild(el("span", "dots")).setAttribute("aria-hidden", "true");
  typing.appendChild(el("span", "visually-hidden", TEXT.typing));

  var alertBox = panel.appendChild(el("p", "alert"));
  alertBox.setAttribute("role", "alert");
  alertBox.hidden = true;

  var form = panel.appendChild(el("form", "composer"));
  var label = form.appendChild(el("label", "visually-hidden", TEXT.inputLabel));
  label.htmlFor = "vssid-input";
  var input = form.appendChild(el("input", "input"));
  input.id = "vssid-input";
  input.type = "text";
  input.autocomplete = "off";
  input.maxLength = 1000;
  input.placeholder = TEXT.placeholder;
  input.setAttribute("enterkeyhint", "send");
  var sendButton = form.appendChild(el("button", "send", TEXT.send));
  sendButton.type = "submit";

  root.appendChild(launcher);
  root.appendChild(panel);

  // ---------------------------------------------------------------- conversation state

  var session = null;
  var cursor = 0;
  var started = null;
  var pending = {}; // message_id -> optimistic user bubble, until the tracker confirms it
  var sendQueue = Promise.resolve();
  var unread = 0;
  var polling = false;

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  function showAlert(text) {
    alertBox.textContent = text || "";
    alertBox.hidden = !text;
  }

  function setTyping(on) {
    typing.hidden = !on; // messages are sent one at a time, so one flag is enough
    if (on) scrollToEnd();
  }

  function addUserBubble(text) {
    var bubble = el("div", "msg msg-user");
    bubble.appendChild(el("span", "visually-hidden", TEXT.you));
    bubble.appendChild(el("div", "msg-body", text));
    log.appendChild(bubble);
    return bubble;
  }

  function removeQuickReplies() {
    var groups = log.querySelectorAll(".quick-replies");
    for (var i = 0; i < groups.length; i++) groups[i].remove();
  }

  function addBotBubble(event) {
    var bubble = el("div", "msg msg-bot");
    bubble.appendChild(el("span", "visually-hidden", TEXT.bot));
    var body = bubble.appendChild(el("div", "msg-body"));
    if (event.text) appendRichText(body, event.text);
    if (event.image && /^https?:/i.test(event.image)) {
      var img = el("img", "msg-image");
      img.src = event.image;
      img.alt = TEXT.image;
      body.appendChild(img);
    }
    log.appendChild(bubble);
    if (event.buttons && event.buttons.length) {
      var group = el("div", "quick-replies");
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", TEXT.suggestions);
      event.buttons.forEach(function (button) {
        var b = el("button", "quick-reply", button.title);
        b.type = "button";
        b.addEventListener("click", function () {
          removeQuickReplies();
          input.focus();
          send(button.payload, { title: button.title });
        });
        group.appendChild(b);
      });
      log.appendChild(group);
    }
    return bubble;
  }

  /** Put one event on screen; return the bubble of a bot message, else null. */
  function render(event, notify) {
    removeQuickReplies();
    if (event.type === "user") {
      var mine = event.message_id && pending[event.message_id];
      if (mine) {
        delete pending[event.message_id];
        mine.classList.remove("msg-pending");
      } else {
        addUserBubble(event.text);
      }
      return null;
    }
    if (notify && panel.hidden) {
      unread += 1;
      badge.textContent = String(unread);
      badge.hidden = false;
      badge.setAttribute("aria-label", unread + TEXT.unread);
    }
    return addBotBubble(event);
  }

  /** Show the events of a server answer that are not on screen yet. */
  function apply(page, notify) {
    if (page.reset) {
      log.textContent = "";
      pending = {};
      cursor = 0;
    }
    var shown = 0;
    var firstAnswer = null;
    page.events.forEach(function (event) {
      if (event.seq < cursor) return; // already on screen
      shown += 1;
      var bubble = render(event, notify);
      firstAnswer = firstAnswer || bubble;
    });
    cursor = Math.max(cursor, page.cursor);
    if (notify && firstAnswer) {
      // Show a new answer from its top (the browser clamps this to the end when it fits).
      log.scrollTop += firstAnswer.getBoundingClientRect().top - log.getBoundingClientRect().top - 8;
    } else if (shown) {
      scrollToEnd();
    }
  }

  function newMessageId() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function forgetSession() {
    session = null;
    started = null;
    saveSession(null);
  }

  function send(text, options) {
    options = options || {};
    var messageId = newMessageId();
    if (!options.hidden) {
      var bubble = addUserBubble(options.title || text);
      bubble.classList.add("msg-pending");
      pending[messageId] = bubble;
      scrollToEnd();
    }
    sendQueue = sendQueue.then(function () {
      return start().then(function () {
        setTyping(true);
        showAlert("");
        return api("POST", "message", {
          text: text, title: options.title, hidden: !!options.hidden,
          message_id: messageId, after: cursor
        }, session, 90000);
      }).then(function (page) {
        setTyping(false);
        apply(page, true);
      }, function (err) {
        setTyping(false);
        if (pending[messageId]) pending[messageId].classList.add("msg-failed");
        if (err && err.status === 401) {
          forgetSession();
          showAlert(TEXT.expired);
          return;
        }
        showAlert((err && err.serverMessage) || TEXT.sendFailed);
      });
    });
    return sendQueue;
  }

  function poll() {
    if (polling) return;
    polling = true;
    var delay = 1000;
    (function next() {
      if (!session) {
        polling = false;
        return;
      }
      var current = session;
      api("GET", "events?after=" + cursor, null, current, POLL_TIMEOUT_MS).then(function (page) {
        delay = 1000;
        if (current === session) apply(page, true);
        next();
      }, function (err) {
        if (current !== session) {
          polling = false; // the session was ended or replaced meanwhile
          if (session) poll();
          return;
        }
        if (err && err.status === 401) {
          forgetSession();
          polling = false;
          return;
        }
        setTimeout(next, delay);
        delay = Math.min(delay * 2, RETRY_MAX_MS);
      });
    })();
  }

  /** Get (or create) the session, restore the history, start listening for later messages. */
  function start() {
    if (started) return started;
    var stored = loadSession();
    var issue = stored ? Promise.resolve(stored) : api("POST", "session", {}, null).then(function (issued) {
      saveSession(issued);
      return issued;
    });
    started = issue.then(function (current) {
      session = current;
      log.setAttribute("aria-busy", "true");
      return api("GET", "history", null, session).then(function (page) {
        apply(page, false);
        log.setAttribute("aria-busy", "false");
        poll();
        if (!page.events.length && session.start_payload) {
          send(session.start_payload, { hidden: true });
        }
      });
    }).catch(function (err) {
      log.setAttribute("aria-busy", "false");
      started = null; // the next open or message tries again
      if (err && err.status === 401) {
        // The server no longer accepts the stored session (its key changed): begin anew, once.
        forgetSession();
        if (stored) return start();
      }
      showAlert(TEXT.connectFailed);
      throw err;
    });
    return started;
  }

  // ---------------------------------------------------------------- opening and closing

  function setOpen(open, moveFocus) {
    panel.hidden = !open;
    launcher.hidden = open;
    launcher.setAttribute("aria-expanded", String(open));
    try {
      sessionStorage.setItem(OPEN_KEY, open ? "1" : "0");
    } catch (e) {
      /* ignore */
    }
    if (open) {
      unread = 0;
      badge.hidden = true;
      start().catch(function () {});
      scrollToEnd();
      if (moveFocus) input.focus();
    } else if (moveFocus) {
      launcher.focus();
    }
  }

  /** "Kết thúc trò chuyện": the server revokes the session; the screen and storage are cleared. */
  function endConversation() {
    var current = session || loadSession();
    forgetSession();
    log.textContent = "";
    pending = {};
    cursor = 0;
    showAlert(TEXT.ended);
    if (current) api("POST", "end", {}, current).catch(function () {});
    input.focus();
  }

  launcher.addEventListener("click", function () { setOpen(true, true); });
  endButton.addEventListener("click", endConversation);
  closeButton.addEventListener("click", function () { setOpen(false, true); });
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") setOpen(false, true);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    removeQuickReplies();
    send(text);
  });

  function mount() {
    document.body.appendChild(host);
    var remembered = null;
    try {
      remembered = sessionStorage.getItem(OPEN_KEY);
    } catch (e) {
      /* ignore */
    }
    var open = remembered ? remembered === "1" : script.getAttribute("data-open") === "true";
    if (open) setOpen(true, false);
    else if (loadSession()) start().catch(function () {}); // hear a hotline agent's reply while closed
  }

  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
