// Draws the business page's charts with Chart.js from the figures the server put in
// #chart-data (major units, for drawing; the tables beside them carry the exact amounts).
(function () {
  "use strict";
  var holder = document.getElementById("chart-data");
  if (!holder || typeof Chart === "undefined") { return; }
  var data = JSON.parse(holder.dataset.charts);
  var palette = ["#1f6feb", "#2da44e", "#bf8700", "#8250df", "#cf222e", "#0969da"];

  function canvas(container, label) {
    var figure = document.createElement("figure");
    var element = document.createElement("canvas");
    element.setAttribute("role", "img");
    element.setAttribute("aria-label", label + " (the figures are in the table below)");
    var caption = document.createElement("figcaption");
    caption.textContent = label;
    figure.appendChild(element);
    figure.appendChild(caption);
    container.appendChild(figure);
    return element;
  }

  var monthly = document.getElementById("monthly-charts");
  Object.keys(data.monthly).forEach(function (currency) {
    var chart = data.monthly[currency];
    var datasets = chart.streams.map(function (stream, index) {
      return {
        type: "bar",
        label: stream.label + " (" + currency + ")",
        data: stream.data,
        backgroundColor: palette[index % palette.length],
        stack: "revenue"
      };
    });
    datasets.push({
      type: "line",
      label: "expenditure (" + currency + ")",
      data: chart.expenditure,
      borderColor: "#cf222e",
      backgroundColor: "#cf222e",
      borderWidth: 3,
      pointRadius: 7,
      pointStyle: "rectRot"
    });
    new Chart(canvas(monthly, "Revenue by stream and expenditure per month, " + currency), {
      data: { labels: chart.months, datasets: datasets },
      options: {
        animation: false,
        responsive: true,
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } }
      }
    });
  });

  var gmv = document.getElementById("gmv-charts");
  Object.keys(data.gmv).forEach(function (currency) {
    var chart = data.gmv[currency];
    new Chart(canvas(gmv, "GMV per day, " + currency), {
      type: "bar",
      data: {
        labels: chart.days,
        datasets: [{ label: "GMV (" + currency + ")", data: chart.values, backgroundColor: palette[0] }]
      },
      options: { animation: false, responsive: true, scales: { y: { beginAtZero: true } } }
    });
  });
  document.body.dataset.chartsDrawn = String(Chart.instances ? Object.keys(Chart.instances).length : 0);
})();
