// ward's query console: sends the query to /graphql with the pasted token. No third-party
// code runs on this page; the token stays in this tab (never stored).
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  async function run() {
    const result = $("result");
    let variables = {};
    try {
      variables = JSON.parse($("variables").value || "{}");
    } catch (err) {
      result.textContent = "The variables are not valid JSON: " + err.message;
      return;
    }
    const headers = { "content-type": "application/json" };
    const token = $("token").value.trim();
    if (token) headers["authorization"] = "Bearer " + token;
    const purpose = $("purpose").value.trim();
    if (purpose) headers["x-ward-purpose"] = purpose;
    result.textContent = "…";
    try {
      const response = await fetch("/graphql", {
        method: "POST",
        headers,
        body: JSON.stringify({ query: $("query").value, variables }),
        credentials: "omit",
      });
      const text = await response.text();
      try {
        result.textContent = response.status + "\n" + JSON.stringify(JSON.parse(text), null, 2);
      } catch (_) {
        result.textContent = response.status + "\n" + text;
      }
    } catch (err) {
      result.textContent = "ward did not answer: " + err.message;
    }
  }
  document.addEventListener("DOMContentLoaded", () => {
    $("run").addEventListener("click", run);
    document.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) run();
    });
  });
})();
