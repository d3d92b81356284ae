// Agent console of Trợ lý VssID: queue, transcript, claim, reply, resolve (2-second polling).
"use strict";

(function () {
  const API = "/webhooks/agent/api";
  const POLL_MS = 2000;
  const KEY_TOKEN = "vssid_agent_token";
  const KEY_NAME = "vssid_agent_name";
  const STATUS = { open: "Đang chờ", assigned: "Đang xử lý", resolved: "Đã xong" };
  const CHANNEL = { telegram: "Telegram", webchat: "Web", rest: "REST" };
  const REASON = { request_human: "Yêu cầu gặp nhân viên", not_helpful: "Câu trả lời chưa giúp được",
                   fallback: "Trợ lý không hiểu câu hỏi" };
  const AUTHOR = { user: "Người dùng", bot: "Trợ lý ảo" };

  const $ = (id) => document.getElementById(id);
  const state = { selected: null, ticket: null, signature: "", timer: null, tickets: [] };

  function token() { return sessionStorage.getItem(KEY_TOKEN) || ""; }
  function agent() { return sessionStorage.getItem(KEY_NAME) || ""; }

  async function api(method, path, body) {
    const response = await fetch(API + path, {
      method,
      headers: { "Authorization": "Bearer " + token(), "Content-Type": "application/json" },
      body: body ? JSON.stringify(body) : undefined,
      cache: "no-store",
    });
    let data = {};
    try { data = await response.json(); } catch (e) { /* empty body */ }
    if (response.status === 401) { logout("Mã truy cập không đúng hoặc đã hết hiệu lực."); }
    return { status: response.status, ok: response.ok, data };
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "class") node.className = value;
      else if (key.startsWith("data-")) node.setAttribute(key, value);
      else node[key] = value;
    }
    for (const child of children) {
      if (child !== null && child !== undefined) node.append(child);  // text stays text (no HTML)
    }
    return node;
  }

  function waited(seconds) {
    if (seconds < 60) return "vừa gửi";
    const minutes = Math.floor(seconds / 60);
    if (minutes < 60) return "chờ " + minutes + " phút";
    return "chờ " + Math.floor(minutes / 60) + " giờ " + (minutes % 60) + " phút";
  }

  function time(iso) {
    return iso ? new Date(iso).toLocaleString("vi-VN", { hour12: false }) : "—";
  }

  // --- login -------------------------------------------------------------------------------
  function showConsole() {
    $("login").hidden = true;
    $("console").hidden = false;
    $("whoami").hidden = false;
    $("agent-label").textContent = agent();
    poll();
  }

  function logout(message) {
    sessionStorage.removeItem(KEY_TOKEN);
    clearTimeout(state.timer);
    state.selected = null;
    $("console").hidden = true;
    $("whoami").hidden = true;
    $("login").hidden = false;
    const error = $("login-error");
    error.hidden = !message;
    error.textContent = message || "";
  }

  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY_TOKEN, $("agent-token").value);
    $("agent-token").value = "";
    try {
      const answer = await api("GET", "/me");  // the name comes with the token
      if (answer.ok) {
        sessionStorage.setItem(KEY_NAME, answer.data.agent);
        showConsole();
      } else if (answer.status !== 401) {
        logout(answer.data.message || "Không đăng nhập được, vui lòng thử lại sau.");
      }
    } catch (e) {
      logout("Không kết nối được tới máy chủ, hoặc mã truy cập có ký tự không hợp lệ.");
    }
  });
  $("logout").addEventListener("click", () => logout(""));

  // --- queue -------------------------------------------------------------------------------
  function renderQueue(tickets, total) {
    const list = $("queue");
    list.replaceChildren();
    const waiting = tickets.filter((t) => t.status === "open").length;
    $("queue-count").textContent = String(waiting);
    document.title = (waiting ? "(" + waiting + ") " : "") + "Tổng đài viên — Trợ lý VssID";
    $("queue-empty").hidden = tickets.length > 0;
    const more = $("queue-more");
    more.hidden = !(total > tickets.length);
    more.textContent = "Đang hiện " + tickets.length + "/" + total +
      " yêu cầu: ưu tiên cao trước, rồi chờ lâu nhất trước; yêu cầu vượt giới hạn xếp cuối.";
    for (const ticket of tickets) {
      const item = el("li", { tabIndex: 0, "data-ticket-id": String(ticket.id),
                              class: ticket.id === state.selected ? "selected" : "" },
        el("div", { class: "line1" },
          el("span", {}, "#" + ticket.id + " · " + (CHANNEL[ticket.channel] || ticket.channel || "?")),
          el("span", { class: "waiting" }, ticket.status === "resolved" ? "" : waited(ticket.waiting_seconds))),
        el("div", { class: "line2" },
          el("span", { class: "tag " + ticket.status }, STATUS[ticket.status] || ticket.status),
          ticket.priority === "high" ? el("span", { class: "tag high" }, "Ưu tiên") : null,
          ticket.held ? el("span", { class: "tag" }, "Vượt giới hạn") : null,
          ticket.assigned_agent ? el("span", {}, ticket.assigned_agent + " · ") : null,
          el("span", {}, "Chủ đề: " + (ticket.topic || "—") + " · " + ticket.user_messages + " tin nhắn")));
      item.addEventListener("click", () => select(ticket.id));
      item.addEventListener("keydown", (e) => { if (e.key === "Enter") select(ticket.id); });
      list.append(item);
    }
  }

  async function refreshQueue() {
    const all = $("show-resolved").checked ? "?all=1" : "";
    const answer = await api("GET", "/tickets" + all);
    if (!answer.ok) return false;
    state.tickets = answer.data.tickets;
    renderQueue(state.tickets, answer.data.total);
    return true;
  }

  // --- one ticket --------------------------------------------------------------------------
  function select(id) {
    state.selected = id;
    state.signature = "";
    $("ticket-error").hidden = true;
    renderQueue(state.tickets);
    refreshTicket();
  }

  function renderTicket(ticket, messages) {
    $("no-ticket").hidden = true;
    $("ticket").hidden = false;
    $("ticket").setAttribute("data-status", ticket.status);
    $("ticket-title").textContent = "Yêu cầu #" + ticket.id + " — " + (STATUS[ticket.status] || ticket.status);
    const meta = [
      ["Kênh", CHANNEL[ticket.channel] || ticket.channel || "—"],
      ["Người dùng", ticket.sender_id],
      ["Chủ đề", ticket.topic || "—"],
      ["Lý do", REASON[ticket.reason] || ticket.reason],
      ["Ưu tiên", ticket.priority === "high" ? "Cao" : "Bình thường"],
      ["Số gọi lại", ticket.callback_phone || "—"],
      ["Nhân viên", ticket.assigned_agent || "—"],
      ["Tạo lúc", time(ticket.created_at)],
    ];
    if (ticket.rating) meta.push(["Đánh giá", ticket.rating === "good" ? "Hài lòng" : ticket.rating === "bad" ? "Chưa hài lòng" : "Bình thường"]);
    $("ticket-meta").replaceChildren(...meta.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));

    const mine = ticket.status === "assigned" && ticket.assigned_agent === agent();
    $("claim").disabled = ticket.status !== "open";
    $("resolve").disabled = !(mine || ticket.status === "open");
    $("reply-text").disabled = !mine;
    $("send").disabled = !mine;
    $("reply-text").placeholder = mine ? "Nhập câu trả lời…" :
      ticket.status === "open" ? "Bấm \"Nhận xử lý\" để trả lời." : "Bạn không giữ yêu cầu này.";

    const transcript = $("transcript");
    const atBottom = transcript.scrollTop + transcript.clientHeight >= transcript.scrollHeight - 4;
    transcript.replaceChildren(...messages.map((m) => el("li", { class: m.author, "data-message-id": String(m.id) },
      el("span", { class: "who" },
        (m.author === "agent" ? "Nhân viên " + (m.agent_name || "") : AUTHOR[m.author] || m.author) +
        " · " + time(m.created_at) + (m.author === "agent" && !m.delivered ? " · chưa gửi" : "")),
      m.text)));
    if (atBottom) transcript.scrollTop = transcript.scrollHeight;
  }

  async function refreshTicket() {
    if (state.selected === null) return;
    const id = state.selected;
    const answer = await api("GET", "/tickets/" + id);
    if (id !== state.selected) return;
    if (answer.status === 404) { showError("Không tìm thấy yêu cầu này."); return; }
    if (!answer.ok) return;
    const signature = JSON.stringify(answer.data);
    if (signature === state.signature) return;
    state.signature = signature;
    state.ticket = answer.data.ticket;
    renderTicket(answer.data.ticket, answer.data.messages);
  }

  function showError(message) {
    const error = $("ticket-error");
    error.textContent = message;
    error.hidden = !message;
  }

  async function act(path, body) {
    showError("");
    const answer = await api("POST", "/tickets/" + state.selected + path, body || {});
    if (!answer.ok && answer.status !== 401) showError(answer.data.message || "Có lỗi, vui lòng thử lại.");
    await Promise.all([refreshQueue(), refreshTicket()]);
    return answer;
  }

  $("claim").addEventListener("click", () => act("/claim"));
  $("resolve").addEventListener("click", async () => {
    const answer = await act("/resolve");
    if (answer.ok && !answer.data.notified) {
      showError("Đã kết thúc, nhưng chưa báo được cho người dùng; trợ lý sẽ báo khi họ nhắn tiếp.");
    }
  });
  $("reply-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = $("reply-text").value.trim();
    if (!text) return;
    const answer = await act("/reply", { text });
    if (answer.ok) {
      $("reply-text").value = "";
      if (!answer.data.delivered) showError("Đã lưu câu trả lời; sẽ gửi khi kết nối lại được với người dùng.");
    }
  });
  $("show-resolved").addEventListener("change", refreshQueue);

  // --- polling -----------------------------------------------------------------------------
  async function poll() {
    clearTimeout(state.timer);
    try {
      const ok = await refreshQueue();
      await refreshTicket();
      $("status-line").textContent = ok ? "Cập nhật lúc " + new Date().toLocaleTimeString("vi-VN", { hour12: false }) : "";
    } catch (e) {
      $("status-line").textContent = "Mất kết nối, đang thử lại…";
    }
    if (token()) state.timer = setTimeout(poll, POLL_MS);
  }

  if (token() && agent()) showConsole();
})();
