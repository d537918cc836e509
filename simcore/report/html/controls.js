// The report's controls: other outcome and reopening probabilities, the first page's
// numbers and fan chart recomputed from the stored paths, offline.
//
// Each path is weighted by the likelihood ratio of its negotiation history
// (docs/spec/METHODS.md §W, simcore.analysis.reweight.likelihood_ratios): a product over
// the history's counts, computed once per pattern of counts. The page carries, per
// scenario, the patterns and how many of the file's paths have each (for the effective
// sample size, as `smasim reweight` computes it), and a deterministic subsample of the
// paths (all of a rare history's paths, an evenly spread share of a common one's), each
// with its pattern and the values the first page reads. A percentile is the weighted
// quantile of simcore.stats.importance (each path at the middle of its weight, stretched
// to [0, 1], linear between), its 95% interval Woodruff's; numbers read by the rule of
// simcore.report.reading. At the configured probabilities the page shows its static
// numbers, exactly as printed.
"use strict";

(function () {
  const data = JSON.parse(document.getElementById("reweighting-data").textContent);
  const Z = 1.959963984540054;
  const MARK = "\u2020";
  const MINUS = "\u2212";

  function decode(text, kind) {
    const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
    const view = new DataView(bytes.buffer);
    const size = kind === "f4" ? 4 : kind === "f8" ? 8 : 2;
    const out = kind === "u2" ? new Uint16Array(bytes.length / size)
      : new Float64Array(bytes.length / size);
    for (let i = 0; i < out.length; i++) {
      out[i] = kind === "f4" ? view.getFloat32(i * 4, true)
        : kind === "f8" ? view.getFloat64(i * 8, true) : view.getUint16(i * 2, true);
    }
    return out;
  }

  // --- the reading rule (simcore.report.reading) ------------------------------------------

  function lastPlace(x, percent) {
    if (percent) return Math.abs(x) >= 10 ? 0 : -1;
    if (Math.abs(x) >= 1000 || x === 0) return 0;
    // toExponential rounds half away from zero on the exact value, as the report does.
    return Number(Math.abs(x).toExponential(2).split("e")[1]) - 2;
  }

  function group(text) {
    const [whole, part] = text.split(".");
    const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return part === undefined ? grouped : grouped + "." + part;
  }

  function digits(x, percent, place) {
    if (!Number.isFinite(x)) return "\u2014";
    let text;
    if (place <= 0) {
      text = x.toFixed(-place);
    } else {
      const step = Math.pow(10, place);
      text = (Math.sign(x) * Math.round(Math.abs(x) / step) * step).toFixed(0);
    }
    text = group(text);
    return /^-?[0.,]*$/.test(text) ? text.replace("-", "") : text;
  }

  // As simcore.report.reading.reading: the text, to the last digit `like` shows (or its
  // own), signed where it is a difference.
  function reading(value, unit, lower, upper, like, signed) {
    const percent = unit.percent;
    const place = lastPlace((like === null ? value : like) / unit.scale, percent);
    const shown = digits(value / unit.scale, percent, place);
    // Marked when the interval's larger half-width exceeds half a unit of the last digit
    // shown (simcore.report.reading.half_width, half_unit: the same decimal text, parsed).
    const distances = [0];
    if (lower !== null && Number.isFinite(lower)) distances.push(value - lower);
    if (upper !== null && Number.isFinite(upper)) distances.push(upper - value);
    const unsettled = Math.max(...distances) / unit.scale > Number("5e" + (place - 1));
    const negative = shown.startsWith("-");
    const zero = /^[0.,]*$/.test(shown.replace("-", ""));
    const sign = negative ? MINUS : (signed && !zero ? "+" : "");
    const bare = shown.replace("-", "");
    const text = percent && signed ? sign + bare + " points"
      : sign + unit.prefix + bare + unit.suffix;
    return text + (unsettled ? MARK : "");
  }

  // As simcore.report.reading.shown_value: the value as shown to the last digit `like`
  // shows, its digits parsed back, in the file's units.
  function shownValue(value, unit, like) {
    const place = lastPlace(like / unit.scale, unit.percent);
    return Number(digits(value / unit.scale, unit.percent, place).replace(/,/g, ""))
      * unit.scale;
  }

  // --- weighted percentiles (simcore.stats.importance.WeightedColumn) ----------------------

  function weightedColumn(values, weights) {
    const kept = [];
    for (let i = 0; i < values.length; i++) if (weights[i] > 0) kept.push(i);
    kept.sort((a, b) => values[a] - values[b]);  // stable: ties stay in path order
    let total = 0;
    for (const i of kept) total += weights[i];
    const n = kept.length;
    const x = new Float64Array(n), share = new Float64Array(n);
    const positions = new Float64Array(n), squares = new Float64Array(n);
    let running = 0, runningSquares = 0;
    for (let k = 0; k < n; k++) {
      x[k] = values[kept[k]];
      share[k] = weights[kept[k]] / total;
      running += share[k];
      runningSquares += share[k] * share[k];
      positions[k] = running - share[k] / 2;
      squares[k] = runningSquares;
    }
    const first = positions[0], span = positions[n - 1] - positions[0];
    for (let k = 0; k < n; k++) positions[k] = span > 0 ? (positions[k] - first) / span : 0;
    return { x, positions, squares };
  }

  function interp(level, column) {
    const xp = column.positions, fp = column.x, n = xp.length;
    if (level <= xp[0]) return fp[0];
    if (level >= xp[n - 1]) return fp[n - 1];
    let lo = 0, hi = n - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (xp[mid] <= level) lo = mid; else hi = mid;
    }
    if (xp[lo] === level) return fp[lo];
    const slope = (fp[lo + 1] - fp[lo]) / (xp[lo + 1] - xp[lo]);
    return slope * (level - xp[lo]) + fp[lo];
  }

  function below(column, threshold) {
    // Number of values <= threshold (numpy's searchsorted, side="right").
    let lo = 0, hi = column.x.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (column.x[mid] <= threshold) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  function percentile(column, level) {
    const p = level / 100;
    const value = interp(p, column);
    const count = below(column, value);
    const total = column.squares[column.squares.length - 1];
    const inside = count ? column.squares[count - 1] : 0;
    const variance = (1 - p) * (1 - p) * inside + p * p * (total - inside);
    const half = Z * Math.sqrt(variance);
    return {
      value,
      lower: interp(Math.max(p - half, 0), column),
      upper: interp(Math.min(p + half, 1), column),
    };
  }

  // --- likelihood ratios (simcore.analysis.reweight.likelihood_ratios) ---------------------

  function power(numerator, denominator, count) {
    const factor = count ? numerator / denominator : 1;
    let value = 1;
    for (let k = 0; k < count; k++) value *= factor;
    return value;
  }

  function ratios(scenario, outcomes, reopen) {
    const k = scenario.outcomes.length;
    return scenario.patterns.map((row) => {
      let value = 1;
      for (let m = 0; m < k; m++) value *= power(outcomes[m], scenario.outcomes[m], row[m]);
      value *= power(reopen, scenario.reopen, row[k]);
      value *= power(1 - reopen, 1 - scenario.reopen, row[k + 1]);
      return value;
    });
  }

  function effectivePaths(scenario, byPattern) {
    let sum = 0, squares = 0;
    scenario.counts.forEach((count, p) => {
      sum += count * byPattern[p];
      squares += count * byPattern[p] * byPattern[p];
    });
    return squares > 0 ? (sum * sum) / squares : 0;
  }

  // --- the page ------------------------------------------------------------------------------

  const scenarios = data.scenarios.map((scenario) => ({
    ...scenario,
    pattern: decode(scenario.pattern, "u2"),
    values: Object.fromEntries(Object.entries(scenario.values).map(
      ([key, text]) => [key, decode(text, scenario.precision)])),
    current: null,  // columns under the current probabilities, or null: as configured
  }));
  const spans = Array.from(document.querySelectorAll("[data-live]"));
  const statics = spans.map((span) => span.textContent);
  const paths = {};
  for (const scenario of scenarios) {
    for (const part of ["outer", "inner", "median"]) {
      const element = document.getElementById(scenario.fan.ids[part]);
      const path = element && element.querySelector("path");
      // A band is a path in <defs> drawn by a <use> at an offset: undo the offset.
      const use = element && element.querySelector("use");
      const offset = ["x", "y"].map((axis) => Number(use ? use.getAttribute(axis) || 0 : 0));
      if (path) paths[scenario.fan.ids[part]] = [path, path.getAttribute("d"), offset];
    }
  }

  function columnOf(scenario, key) {
    if (!scenario.current) return null;
    if (!scenario.current[key]) {
      scenario.current[key] = weightedColumn(scenario.values[key], scenario.weights);
    }
    return scenario.current[key];
  }

  function estimate(number) {
    // A live number's percentile now: recomputed, or its static value (as configured).
    const scenario = scenarios.find((s) => s.label === number.scenario);
    const column = scenario && columnOf(scenario, number.column);
    if (!column) return { value: number.value, lower: number.lower, upper: number.upper,
      moved: false };
    return { ...percentile(column, number.level), moved: true };
  }

  function showNumbers() {
    data.live.forEach((number, k) => {
      const own = estimate(number);
      const reference = number.minus !== null ? number.minus : number.digitsOf;
      if (reference === null) {
        spans[k].textContent = own.moved
          ? reading(own.value, number.unit, own.lower, own.upper, null, false) : statics[k];
        return;
      }
      const other = estimate(data.live[reference]);
      if (!own.moved && !other.moved) {
        spans[k].textContent = statics[k];
      } else if (number.minus === null) {
        // Shown to the last digit of the other scenario's same percentile.
        spans[k].textContent = reading(own.value, number.unit, own.lower, own.upper,
          other.value, false);
      } else {
        // The difference of the two numbers shown (simcore.report.reading.shown_difference);
        // its interval bounded by theirs.
        const unit = number.unit;
        spans[k].textContent = reading(
          shownValue(own.value, unit, other.value) - shownValue(other.value, unit, other.value),
          unit, own.lower - other.upper, own.upper - other.lower, other.value, true);
      }
    });
  }

  function showFan(scenario) {
    const fan = scenario.fan;
    const point = (t, y, offset) => `${(fan.x[0] + fan.x[1] * fan.years[t] - offset[0])
      .toFixed(6)} ${(fan.y[0] + fan.y[1] * y - offset[1]).toFixed(6)}`;
    const parts = { outer: [5, 95], inner: [25, 75], median: [50] };
    for (const [part, levels] of Object.entries(parts)) {
      const found = paths[fan.ids[part]];
      if (!found) continue;
      const [element, original, offset] = found;
      if (!scenario.current) {
        element.setAttribute("d", original);
        continue;
      }
      const edges = levels.map((level) => fan.years.map((_, t) => percentile(
        columnOf(scenario, fan.columns[t]), level).value));
      let d;
      if (levels.length === 1) {
        d = "M " + edges[0].map((y, t) => point(t, y, offset)).join(" L ");
      } else {
        const lower = edges[0].map((y, t) => point(t, y, offset));
        const upper = edges[1].map((y, t) => point(t, y, offset)).reverse();
        d = "M " + [...lower, ...upper].join(" L ") + " z";
      }
      element.setAttribute("d", d);
    }
  }

  function command(scenario, outcomes, reopen) {
    const sets = [];
    scenario.names.forEach((name, m) => {
      if (outcomes[m] !== scenario.outcomes[m]) {
        sets.push(`--set negotiation.outcomes.${name}.probability=${+outcomes[m].toPrecision(12)}`);
      }
    });
    if (reopen !== scenario.reopen) {
      sets.push(`--set agreement.reopen_probability=${+reopen.toPrecision(12)}`);
    }
    return `${scenario.command} ${sets.join(" ")}`;
  }

  function update(scenario, fieldset) {
    const outcomes = scenario.names.map((_, m) => Number(
      fieldset.querySelector(`[data-outcome="${m}"]`).value));
    const reopenInput = fieldset.querySelector("[data-reopen]");
    if (reopenInput) reopenInput.value = String(clamp(reopenInput.value));
    const reopen = reopenInput ? Number(reopenInput.value) : scenario.reopen;
    const status = fieldset.querySelector(".status");
    const same = outcomes.every((w, m) => w === scenario.outcomes[m])
      && reopen === scenario.reopen;
    if (same) {
      scenario.current = null;
      status.textContent = "As configured: the numbers are the printed ones.";
    } else {
      const byPattern = ratios(scenario, outcomes, reopen);
      const ess = effectivePaths(scenario, byPattern);
      const shown = `effective sample size ${Math.round(ess).toLocaleString("en-US")} of `
        + `${scenario.paths.toLocaleString("en-US")} paths`;
      if (ess < data.minEss) {
        scenario.current = null;
        status.textContent = `Too few effective paths: ${shown}, below the floor of `
          + `${data.minEss.toLocaleString("en-US")} that smasim reweight keeps; the `
          + "numbers stay as configured. Simulate these probabilities afresh.";
        status.classList.add("warning");
      } else {
        scenario.weights = Float64Array.from(scenario.pattern,
          (p) => scenario.multiplicity[p] * byPattern[p]);
        scenario.current = {};
        status.textContent = `Re-weighted: ${shown}. The same from every path: `
          + command(scenario, outcomes, reopen);
        status.classList.remove("warning");
      }
    }
    showNumbers();
    showFan(scenario);
  }

  function clamp(text) {
    // A probability: what is typed, kept within [0, 1] (nothing typed: 0).
    const value = Number(text);
    return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
  }

  function rescale(fieldset, changed) {
    // The other outcomes keep their proportions and make up the rest (--renormalize).
    const inputs = Array.from(fieldset.querySelectorAll("[data-outcome]"));
    const value = clamp(changed.value);
    changed.value = String(value);
    const others = inputs.filter((input) => input !== changed && !input.disabled);
    const rest = others.reduce((sum, input) => sum + Number(input.value), 0);
    for (const input of others) {
      input.value = String(rest > 0 ? +(Number(input.value) * (1 - value) / rest)
        .toPrecision(12) : (1 - value) / others.length);
    }
  }

  document.querySelectorAll("#controls fieldset[data-scenario]").forEach((fieldset) => {
    const scenario = scenarios[Number(fieldset.dataset.scenario)];
    fieldset.addEventListener("change", (event) => {
      if (event.target.dataset.outcome !== undefined) rescale(fieldset, event.target);
      update(scenario, fieldset);
    });
  });
  const reset = document.getElementById("controls-reset");
  reset.addEventListener("click", () => {
    document.querySelectorAll("#controls fieldset[data-scenario]").forEach((fieldset) => {
      fieldset.querySelectorAll("input").forEach((input) => {
        input.value = input.defaultValue;
      });
      update(scenarios[Number(fieldset.dataset.scenario)], fieldset);
    });
  });
  document.getElementById("controls").hidden = false;
})();
