// Operators' dashboard of Trợ lý VssID: figures, charts (vendored Chart.js), unanswered questions,
// knowledge-base health, CSV export. Same login as the agent console (token kept in sessionStorage).
"use strict";

(function () {
  const API = "/webhooks/agent/api";
  const KEY_TOKEN = "vssid_agent_token";
  const CHANNEL = { telegram: "Telegram", webchat: "Web", rest: "REST", other: "Khác" };
  const $ = (id) => document.getElementById(id);
  const state = { charts: {}, titles: {} };

  function token() { return sessionStorage.getItem(KEY_TOKEN) || ""; }
  function days() { return $("days").value; }

  async function api(path, options) {
    const response = await fetch(API + path, Object.assign({
      headers: { "Authorization": "Bearer " + token(), "Content-Type": "application/json" },
      cache: "no-store",
    }, options || {}));
    if (response.status === 401) { showLogin("Mã truy cập không đúng."); throw new Error("unauthorised"); }
    if (!response.ok) { throw new Error("HTTP " + response.status); }
    return response;
  }

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (className) { node.className = className; }
    return node;
  }

  function seconds(value) {
    if (value === null || value === undefined) { return "–"; }
    if (value < 60) { return Math.round(value) + " giây"; }
    return Math.round(value / 60) + " phút";
  }

  function ratings(r) { return (r.good || 0) + " / " + (r.neutral || 0) + " / " + (r.bad || 0); }

  function showLogin(message) {
    $("dashboard").hidden = true;
    $("login").hidden = false;
    $("export-csv").hidden = true;
    $("logout").hidden = true;
    $("login-error").hidden = !message;
    $("login-error").textContent = message || "";
  }

  function renderTotals(stats) {
    $("period").textContent = "Từ " + stats.from + " đến " + stats.to;
    $("stat-conversations").textContent = stats.conversations;
    $("stat-messages").textContent = stats.messages;
    $("stat-faq").textContent = stats.faq_answers;
    $("stat-fallbacks").textContent = stats.fallbacks;
    $("stat-escalations").textContent = stats.escalations;
    $("stat-median").textContent = seconds(stats.median_first_reply_seconds);
    $("stat-ratings").textContent = ratings(stats.ratings);
  }

  function renderTable(stats) {
    const body = $("days-table").querySelector("tbody");
    body.replaceChildren();
    stats.days.slice().reverse().forEach((day) => {
      Object.keys(day.channels).sort().forEach((channel) => {
        const f = day.channels[channel];
        const row = el("tr");
        [day.day, CHANNEL[channel] || channel, f.conversations, f.messages, f.faq_answers, f.fallbacks,
         f.escalations, seconds(f.median_first_reply_seconds), ratings(f.ratings)]
          .forEach((value) => row.appendChild(el("td", value)));
        row.dataset.day = day.day;
        row.dataset.channel = channel;
        body.appendChild(row);
      });
    });
  }

  function chart(id, config) {
    if (!window.Chart) { return; }
    if (state.charts[id]) { state.charts[id].destroy(); }
    state.charts[id] = new window.Chart($(id), config);
  }

  function renderCharts(stats) {
    const labels = stats.days.map((d) => d.day.slice(5));
    const line = (label, key, color) => ({ label: label, data: stats.days.map((d) => d[key]),
      borderColor: color, backgroundColor: color, tension: 0.2 });
    chart("chart-days", { type: "line", options: { animation: false, responsive: true },
      data: { labels: labels, datasets: [
        line("Cuộc trò chuyện", "conversations", "#0b5cab"), line("Tin nhắn", "messages", "#64748b"),
        line("Fallback", "fallbacks", "#b42318"), line("Chuyển tổng đài", "escalations", "#d97706")] } });
    const topics = Object.keys(stats.topics);
    chart("chart-topics", { type: "bar", options: { animation: false, responsive: true, indexAxis: "y",
      plugins: { legend: { display: false } } },
      data: { labels: topics.map((t) => state.titles[t] || t),
              datasets: [{ label: "Câu trả lời", data: topics.map((t) => stats.topics[t]), backgroundColor: "#0b5cab" }] } });
  }

  function topicSelect(selected) {
    const select = el("select");
    select.setAttribute("aria-label", "Chủ đề");
    Object.keys(state.titles).sort().forEach((topic) => {
      const option = el("option", state.titles[topic]);
      option.value = topic;
      option.selected = topic === selected;
      select.appendChild(option);
    });
    return select;
  }

  function renderUnanswered(data) {
    const list = $("unanswered");
    list.replaceChildren();
    $("unanswered-empty").hidden = data.items.length > 0;
    data.items.forEach((item) => {
      const li = el("li");
      li.appendChild(el("div", item.text, "text"));
      const guess = item.guess_title || item.guess || "không rõ";
      li.appendChild(el("div", item.count + " lần · trợ lý đoán: " + guess + " · " +
        item.channels.map((c) => CHANNEL[c] || c).join(", "), "meta"));
      const row = el("div", null, "suggest");
      const select = topicSelect(item.suggested_topic);
      const button = el("button", "Đề xuất làm câu ví dụ cho chủ đề");
      button.type = "button";
      const done = el("span", "", "done");
      button.addEventListener("click", async () => {
        button.disabled = true;
        try {
          await api("/suggestions", { method: "POST", body: JSON.stringify(
            { topic: select.value, text: item.text, count: item.count }) });
          done.textContent = "Đã đề xuất cho \"" + state.titles[select.value] + "\"";
        } catch (e) {
          done.textContent = "Chưa lưu được, thử lại.";
          button.disabled = false;
        }
      });
      row.append(select, button, done);
      li.appendChild(row);
      list.appendChild(li);
    });
  }

  function renderHealth(health) {
    const body = $("health-table").querySelector("tbody");
    body.replaceChildren();
    health.topics.forEach((t) => {
      const row = el("tr");
      if (t.needs_attention) { row.className = "attention"; }
      [t.title, t.answers, t.not_helpful, t.handoffs, t.bad_ratings, t.needs_attention ? "Cần xem lại" : ""]
        .forEach((value) => row.appendChild(el("td", value)));
      row.dataset.topic = t.topic;
      body.appendChild(row);
    });
    const never = $("never-asked");
    never.replaceChildren();
    health.never_asked.forEach((topic) => never.appendChild(el("li", state.titles[topic] || topic)));
  }

  async function load() {
    $("status-line").textContent = "Đang tải…";
    try {
      const health = await (await api("/kb-health?days=" + days())).json();
      health.topics.forEach((t) => { state.titles[t.topic] = t.title; });
      const stats = await (await api("/stats?days=" + days())).json();
      const unanswered = await (await api("/unanswered?days=" + days())).json();
      $("login").hidden = true;
      $("dashboard").hidden = false;
      $("export-csv").hidden = false;
      $("logout").hidden = false;
      renderTotals(stats);
      renderTable(stats);
      renderCharts(stats);
      renderUnanswered(unanswered);
      renderHealth(health);
      $("status-line").textContent = "Cập nhật lúc " + new Date().toLocaleTimeString("vi-VN");
      document.body.dataset.loaded = days();
    } catch (e) {
      if (e.message !== "unauthorised") { $("status-line").textContent = "Không tải được dữ liệu (" + e.message + ")."; }
    }
  }

  async function exportCsv() {
    const blob = await (await api("/stats.csv?days=" + days())).blob();
    const link = el("a");
    link.href = URL.createObjectURL(blob);
    link.download = "vssid-thong-ke-" + days() + "-ngay.csv";
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("login-form").addEventListener("submit", (event) => {
      event.preventDefault();
      sessionStorage.setItem(KEY_TOKEN, $("agent-token").value);
      load();
    });
    $("logout").addEventListener("click", () => { sessionStorage.removeItem(KEY_TOKEN); showLogin(""); });
    $("days").addEventListener("change", load);
    $("export-csv").addEventListener("click", exportCsv);
    if (token()) { load(); } else { showLogin(""); }
  });
})();
