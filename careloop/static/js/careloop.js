// Let htmx swap 422 answers: they carry the form again with its field errors beside each field.
document.addEventListener("DOMContentLoaded", function () {
  if (!window.htmx) return;
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "422", swap: true },
    { code: "[45]..", swap: false, error: true },
  ];
});
document.addEventListener("htmx:responseError", function (event) {
  var status = event.detail.xhr.status;
  var text = status === 403 ? "您沒有權限執行此操作。" : status === 404 ? "找不到資料，可能已被移除。" : "系統暫時無法處理，請稍後再試；資料未被更動。";
  window.alert(text);
});
// A search box inside a form (the customer picker): Enter searches, it does not send the form.
// Here rather than an onkeydown attribute, which the Content-Security-Policy refuses.
document.addEventListener("keydown", function (event) {
  if (event.key === "Enter" && event.target.matches && event.target.matches("[data-enter-searches]")) {
    event.preventDefault();
  }
});
