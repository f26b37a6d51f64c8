// Our WHO growth z-scores against an implementation nobody on this project wrote: jsgrowup 0.8.0
// (npm, pinned in package-lock.json; a port of pygrowup, with WHO's monthly and weekly z-score
// tables). Thousands of children are generated deterministically; every z-score must agree within
// 0.01, and the worst difference is printed.
//
//   node tests/oracle/zscore_agreement.mjs path/to/zscore_cli config/growth-standards
//
// Where jsgrowup does not follow WHO, the comparison is restricted to where both do (checked by
// hand: a 0.5 % change of one M in wfa_who2006.csv, or of one weight-for-height row, fails here):
//   - it looks ages up by whole week (to 13 weeks) or whole month, not by day as WHO Anthro does:
//     compared at its own rows only, weeks 5-12 (whole days) and months 3-59 (at 30.4375 * m days,
//     where our z-score is interpolated between the two daily rows around it);
//   - it refuses ages under one month; month 24 is left out (the length and height tables meet
//     there) and so is month 60 (the 2006 standards end before it);
//   - it has no WHO Reference 2007 (5-19 years; it offers CDC instead): for those ages the children
//     are checked instead against WHO's own published SD tables (hfa/bmi-*-z-who-2007-exp.xlsx,
//     3 decimals, months 61-227, SD-5..SD4 for height, SD-4..SD4 for BMI, whose SD4/SD-4 rows are
//     WHO's restricted rule), as shipped by the npm package who-growth 1.7.0 (pinned too): the
//     z-score of the value on line SDk must be k;
//   - it does not apply the 0.7 cm length/height rule from a measuring position: the generator
//     gives it the WHO-adjusted length and gives us the raw length and the position;
//   - it does not restrict BMI-for-age beyond ±3 (WHO does): BMI compared within ±2.9;
//   - it finds weight-for-length by the nearest 0.5 cm and switches to the height table above
//     86 cm: compared on 0.5 cm lengths 45-86 cm (under 731 days) and heights 65-120 cm (731+);
//   - it rounds to 2 decimals (so up to 0.005 of the 0.01 is its rounding).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const jsgrowup = require('jsgrowup');

const [cli, tablesDir] = process.argv.slice(2);
if (!cli || !tablesDir) {
  console.error('usage: zscore_agreement.mjs ZSCORE_CLI CONFIG_GROWTH_STANDARDS_DIR');
  process.exit(2);
}
const TOLERANCE = 0.01;
const MIN_CASES = 5000;  // a generator that lost its cases must not pass
const DAYS_PER_MONTH = 30.4375;

const tables = await jsgrowup.buildTablesObject();
// (adjustHeightData = false: the generator applies the 0.7 cm rule; adjustWeightScores = true:
// WHO's restricted z for weight-for-age and weight-for-length/height)
const calc = new jsgrowup.Calculator(false, true, tables);
const quietly = (f) => {
  const log = console.log;
  console.log = () => {};  // jsgrowup prints "zscore > 3" on every extreme value
  try { return f(); } finally { console.log = log; }
};

const sexes = [['M', 'boys'], ['F', 'girls']];
const zTargets = [-5, -4.2, -3.5, -3.05, -2.6, -2, -1.3, -0.4, 0, 0.7, 1.5, 2.2, 2.95, 3.4, 4.1, 5];
const lms = (r) => ({ l: +r.L, m: +r.M, s: +r.S });
const sd = (p, k) => p.m * Math.pow(1 + p.l * p.s * k, 1 / p.l);
// The measurement that WHO's (restricted, for weight) z-score maps to z.
const valueAt = (p, z, restricted) => {
  if (!restricted || Math.abs(z) <= 3) return sd(p, z);
  return z > 3 ? sd(p, 3) + (z - 3) * (sd(p, 3) - sd(p, 2))
               : sd(p, -3) + (z + 3) * (sd(p, -2) - sd(p, -3));
};
// The raw length a child of `days` measured in `pos` has, when WHO's adjusted length is `adj`.
const rawLength = (adj, days, pos) =>
  pos === 'standing' && days < 731 ? adj - 0.7 : pos === 'lying' && days >= 731 ? adj + 0.7 : adj;

// Ages at the oracle's own table rows: [our age in days, its age in months, its table row].
function ageRows(indicator, sexName) {
  const weekly = tables[`${indicator}_${sexName}_0_13`];
  const monthly = tables[`${indicator}_${sexName}_${indicator === 'bmifa' ? '0_2' : '0_5'}`];
  const monthly25 = indicator === 'bmifa' ? tables[`bmifa_${sexName}_2_5`] : monthly;
  const out = [];
  for (let w = 5; w <= 12; ++w) out.push([7 * w, (7 * w + 0.001) / 30.4374, weekly[String(w)]]);
  for (let m = 3; m <= 59; ++m) {
    if (m === 24) continue;
    out.push([m * DAYS_PER_MONTH, m + 1e-6, (m < 24 ? monthly : monthly25)[String(m)]]);
  }
  return out;
}

const cases = [];  // {ind, sex, days, weight, length, pos, oracle}
const add = (c, f) => {
  const oracle = quietly(f);
  if (typeof oracle === 'number' && Number.isFinite(oracle)) cases.push({ ...c, oracle });
};

for (const [sex, sexName] of sexes) {
  for (const [days, months, row] of ageRows('wfa', sexName)) {
    for (const z of zTargets) {
      const w = valueAt(lms(row), z, true);
      add({ ind: 'wfa', sex, days, weight: w, length: 0, pos: '-' },
          () => calc.zscoreForMeasurement('wfa', w, months, sex));
    }
  }
  for (const [days, months, row] of ageRows('lhfa', sexName)) {
    for (const pos of ['lying', 'standing']) {
      for (const z of zTargets) {
        const adj = valueAt(lms(row), z, false);
        add({ ind: 'lhfa', sex, days, weight: 0, length: rawLength(adj, days, pos), pos },
            () => calc.zscoreForMeasurement('lhfa', adj, months, sex));
      }
    }
  }
  const lenRows = ageRows('lhfa', sexName);
  ageRows('bmifa', sexName).forEach(([days, months, row], i) => {
    const adjHeight = +lenRows[i][2].M;  // the median length at that age
    for (const pos of ['lying', 'standing']) {
      for (const z of zTargets.filter((t) => Math.abs(t) <= 2.9)) {
        const bmi = valueAt(lms(row), z, false);
        const w = bmi * (adjHeight / 100) ** 2;
        add({ ind: 'bfa', sex, days, weight: w, length: rawLength(adjHeight, days, pos), pos },
            () => calc.zscoreForMeasurement('bmifa', bmi, months, sex));
      }
    }
  });
  for (const [ind, from, to, days] of [['wfl', 45, 86, 400], ['wfh', 65, 120, 1000]]) {
    const table = tables[`${ind}_${sexName}_${ind === 'wfl' ? '0_2' : '2_5'}`];
    for (let adj = from; adj <= to + 1e-9; adj += 0.5) {
      const row = table[String(adj)];
      for (const pos of ['lying', 'standing']) {
        for (const z of zTargets) {
          const w = valueAt(lms(row), z, true);
          add({ ind: 'wflh', sex, days, weight: w, length: rawLength(adj, days, pos), pos },
              () => calc.zscoreForMeasurement(ind, w, days / DAYS_PER_MONTH, sex, adj));
        }
      }
    }
  }
}

// WHO Reference 2007 (5-19 years): WHO's published SD lines, read with SheetJS from who-growth.
const XLSX = require('xlsx');
// (the package exports only its code, so its folder is found next to this script)
const whoDocs = new URL('./node_modules/who-growth/resources/WHODocuments', import.meta.url).pathname;
for (const [sex, sexName] of sexes) {
  for (const [ind, file] of [['lhfa', `heightForAge/hfa-${sexName}-z-who-2007-exp.xlsx`],
                             ['bfa', `bmiForAge/bmi-${sexName}-z-who-2007-exp.xlsx`]]) {
    const book = XLSX.readFile(`${whoDocs}/${file}`);
    const rows = XLSX.utils.sheet_to_json(book.Sheets[book.SheetNames[0]]);
    for (const r of rows) {
      // Month 228 is 6939.75 days, after the last whole day the reference covers.
      if (r.Month < 61 || r.Month > 227) continue;
      const days = r.Month * DAYS_PER_MONTH;
      for (const [col, value] of Object.entries(r)) {
        const m = /^SD(\d)(neg)?$/.exec(col);
        if (!m) continue;
        const k = m[2] ? -Number(m[1]) : Number(m[1]);
        for (const pos of ['lying', 'standing']) {
          if (ind === 'lhfa') {
            cases.push({ ind, sex, days, weight: 0, length: rawLength(value, days, pos), pos, oracle: k, who2007: true });
          } else {
            const h = 140;  // any height: BMI-for-age depends on the BMI only
            cases.push({ ind, sex, days, weight: value * (h / 100) ** 2, length: rawLength(h, days, pos), pos, oracle: k, who2007: true });
          }
        }
      }
    }
  }
}

const input = cases.map((c) => `${c.ind} ${c.sex} ${c.days} ${c.weight} ${c.length} ${c.pos}`).join('\n') + '\n';
const run = spawnSync(cli, [tablesDir], { input, encoding: 'utf8', maxBuffer: 64 << 20 });
if (run.status !== 0) {
  console.error(`zscore_cli failed (${run.status}): ${run.stderr}`);
  process.exit(2);
}
const ours = run.stdout.trim().split('\n');
if (ours.length !== cases.length) {
  console.error(`zscore_cli gave ${ours.length} answers for ${cases.length} children`);
  process.exit(2);
}

let worst = { diff: -1 };
let failures = 0;
const perIndicator = {};
cases.forEach((c, i) => {
  const mine = ours[i].startsWith('NA') ? NaN : Number(ours[i]);
  const diff = Number.isNaN(mine) ? Infinity : Math.abs(mine - c.oracle);
  const group = c.who2007 ? `${c.ind} 5-19y (WHO tables)` : c.ind;
  perIndicator[group] = (perIndicator[group] ?? 0) + 1;
  if (diff > worst.diff) worst = { diff, c, mine: ours[i] };
  if (diff > TOLERANCE) {
    if (failures < 10) console.error(`DIFF ${diff.toFixed(4)}: ${JSON.stringify(c)} ours ${ours[i]}`);
    ++failures;
  }
});
console.log(`zscore agreement with jsgrowup 0.8.0 (0-5 y) and WHO's 2007 SD tables (5-19 y): ${cases.length} children ` +
            `(${Object.entries(perIndicator).map(([k, v]) => `${k} ${v}`).join(', ')})`);
console.log(`worst difference ${worst.diff.toFixed(5)} at ${JSON.stringify(worst.c)} (ours ${worst.mine})`);
if (cases.length < MIN_CASES) {
  console.error(`only ${cases.length} children compared, expected at least ${MIN_CASES}`);
  process.exit(1);
}
if (failures) {
  console.error(`${failures} z-scores differ by more than ${TOLERANCE}`);
  process.exit(1);
}
