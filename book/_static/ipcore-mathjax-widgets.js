// The ipywidgets HTML manager typesets widget labels through MathJax 2's API
// (MathJax.Hub.Queue); the book serves MathJax 3, which has no Hub. Give the manager that one
// call, both before MathJax 3 has loaded (window.MathJax is still its configuration) and after.
(function () {
  var hub = {
    Queue: function () {
      var job = arguments[0];
      var element = Array.isArray(job) ? job[2] : undefined;
      var mathjax = window.MathJax;
      if (mathjax && typeof mathjax.typesetPromise === "function") {
        mathjax.typesetPromise(element ? [element] : undefined).catch(function () {});
      }
    }
  };
  var config = (window.MathJax = window.MathJax || {});
  config.Hub = hub;
  var startup = (config.startup = config.startup || {});
  var ready = startup.ready;
  startup.ready = function () {
    if (ready) { ready(); } else { window.MathJax.startup.defaultReady(); }
    window.MathJax.Hub = hub;
  };
})();
