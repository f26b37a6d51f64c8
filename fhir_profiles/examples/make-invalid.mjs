#!/usr/bin/env node
// Writes fhir_profiles/examples/invalid/<rule-id>.json for every rule in
// fhir_profiles/satusehat/rules.yaml: the valid example of the rule's resource type
// (valid/<Type>.json) with the smallest change that breaks that rule. Where no change breaks the
// rule alone, <rule-id>.also lists the other rule ids the example is expected to trip, one a line.
// tests/unit/validation/rule_examples_test.cpp checks each file yields exactly those rule ids.
//
//   node fhir_profiles/examples/make-invalid.mjs
//
// A rule without a change below, or a change for a rule that no longer exists, stops the script.
// The r4/ examples (broken FHIR R4 structure) are written by hand, not by this script.

import { readFileSync, writeFileSync, readdirSync, unlinkSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const RULES = join(HERE, '..', 'satusehat', 'rules.yaml');
const VALID = join(HERE, 'valid');
const INVALID = join(HERE, 'invalid');

// A UTC instant written with the Jakarta offset: the same moment, not the SATUSEHAT form.
const wib = (utc) => {
  const d = new Date(utc);
  const local = new Date(d.getTime() + 7 * 3600 * 1000).toISOString().slice(0, 19);
  return `${local}+07:00`;
};
const keepDisplayOnly = (ref) => {
  delete ref.reference;
  if (!ref.display) ref.display = 'Budi Santoso';
};
const coding = (system, code, display) => ({ coding: [{ system, code, display }] });
const SNOMED = 'http://snomed.info/sct';

// rule id -> [change, [other rule ids it also trips]]. `r` is a copy of valid/<Type>.json.
const CHANGES = {
  // ---- Encounter
  'encounter-identifier': [(r) => { r.identifier[0].system = 'http://sys-ids.kemkes.go.id/encounter/99999999'; }],
  'encounter-identifier-systems': [(r) => { r.identifier.push({ system: 'http://example.org/visit', value: 'V-1' }); }],
  'encounter-anc-visit-code': [(r) => { r.identifier.push({ system: 'http://terminology.kemkes.go.id/CodeSystem/episodeofcare/ANC', value: 'K7' }); }],
  'encounter-kf-visit-code': [(r) => { r.identifier.push({ system: 'http://terminology.kemkes.go.id/CodeSystem/episodeofcare/puerperium', value: 'KF5' }); }],
  'encounter-kn-visit-code': [(r) => { r.identifier.push({ system: 'http://terminology.kemkes.go.id/CodeSystem/episodeofcare/neonate', value: 'KN4' }); }],
  'encounter-status-history': [(r) => { delete r.statusHistory; }, ['encounter-status-history-finished']],
  'encounter-status-history-finished': [(r) => { r.statusHistory.shift(); }],
  'encounter-status-history-start': [(r) => { delete r.statusHistory[1].period.start; }],
  'encounter-class-system': [(r) => { r.class = { system: 'http://terminology.hl7.org/CodeSystem/v2-0004', code: 'O', display: 'Outpatient' }; }],
  'encounter-class-code': [(r) => { delete r.class.code; }],
  'encounter-subject': [(r) => keepDisplayOnly(r.subject)],
  'encounter-participant': [(r) => keepDisplayOnly(r.participant[0].individual)],
  'encounter-location': [(r) => keepDisplayOnly(r.location[0].location)],
  'encounter-period-start': [(r) => { delete r.period.start; }],
  'encounter-period-end': [(r) => { delete r.period.end; }],
  'encounter-period-order': [(r) => { r.period.end = '2025-03-14T01:00:00+00:00'; }],
  'encounter-service-provider': [(r) => { delete r.serviceProvider; }],
  'encounter-diagnosis-use': [(r) => { r.diagnosis[0].use = coding(SNOMED, '89100005', 'Final diagnosis'); }],
  'encounter-reason-code': [(r) => { r.reasonCode[0] = coding(SNOMED, '386661006', 'Fever'); }],
  'encounter-period-start-utc': [(r) => { r.period.start = wib(r.period.start); }],
  'encounter-period-end-utc': [(r) => { r.period.end = wib(r.period.end); }],
  'encounter-status-history-utc': [(r) => { r.statusHistory[0].period.start = wib(r.statusHistory[0].period.start); }],
  'encounter-service-type': [(r) => { r.serviceType = coding(SNOMED, '394802001', 'General medicine'); }],

  // ---- Condition
  'condition-subject': [(r) => keepDisplayOnly(r.subject)],
  'condition-code': [(r) => { delete r.code; }],
  'condition-encounter': [(r) => { delete r.encounter; }],
  'condition-code-system': [(r) => { r.code.coding[0].system = 'http://hl7.org/fhir/sid/icd-10-cm'; }],
  'condition-code-icd10': [(r) => { r.code.coding[0].code = r.code.coding[0].code.replace('.', ''); }],
  'condition-clinical-status': [(r) => { r.clinicalStatus = coding(SNOMED, '55561003', 'Active'); }, ['r4.binding']],
  'condition-category': [(r) => { r.category[0] = coding(SNOMED, '439401001', 'Diagnosis'); }],
  'condition-verification-status': [(r) => { r.verificationStatus = coding(SNOMED, '410605003', 'Confirmed present'); }, ['r4.binding']],
  'condition-onset-utc': [(r) => { r.onsetDateTime = '2025-03-11'; }],
  'condition-recorded-utc': [(r) => { r.recordedDate = wib(r.recordedDate); }],

  // ---- Observation
  'observation-subject': [(r) => keepDisplayOnly(r.subject)],
  'observation-encounter': [(r) => { delete r.encounter; }],
  'observation-category': [(r) => { delete r.category; }],
  'observation-category-code': [(r) => { delete r.category[0].coding[0].code; }],
  'observation-category-system': [(r) => { r.category[0].coding[0].system = 'http://hl7.org/fhir/observation-category'; }],
  'observation-code-system': [(r) => { r.code = coding('http://acme.example/vitals', 'SYS', 'Systolic blood pressure'); }],
  'observation-code-loinc': [(r) => { r.code.coding[0].code = '8480'; }],
  // A vital sign's unit follows from its LOINC code, so a non-UCUM unit also has the wrong unit.
  'observation-quantity-ucum': [(r) => { r.valueQuantity.system = 'http://unitsofmeasure.org/'; }, ['observation-vital-sign-unit']],
  'observation-vital-sign-unit': [(r) => { r.valueQuantity.unit = 'kPa'; r.valueQuantity.code = 'kPa'; r.valueQuantity.value = 17.1; }],
  'observation-effective-utc': [(r) => { r.effectiveDateTime = wib(r.effectiveDateTime); }],
  'observation-issued-utc': [(r) => { r.issued = r.issued.replace('+00:00', 'Z'); }],
  'observation-status': [(r) => { delete r.status; }, ['r4.required']],

  // ---- Procedure
  'procedure-code-system': [(r) => { r.code.coding[0].system = 'http://www.ama-assn.org/go/cpt'; }],
  'procedure-subject': [(r) => keepDisplayOnly(r.subject)],
  'procedure-encounter': [(r) => keepDisplayOnly(r.encounter)],
  'procedure-code': [(r) => { delete r.code; }],
  'procedure-code-icd9cm': [(r) => { r.code.coding[0].code = r.code.coding[0].code.replace('.', ''); }],
  'procedure-category': [(r) => { r.category.coding[0].system = 'http://terminology.hl7.org/CodeSystem/procedure-category'; }],
  'procedure-reason-code': [(r) => { r.reasonCode[0] = coding(SNOMED, '4834000', 'Typhoid fever'); }],
  'procedure-status': [(r) => { delete r.status; }, ['r4.required']],
  'procedure-body-site': [(r) => { r.bodySite[0].coding[0].system = 'http://terminology.hl7.org/CodeSystem/body-site'; }],

  // ---- Immunization
  'immunization-vaccine-system': [(r) => { r.vaccineCode.coding[2] = { system: SNOMED, code: '38598009', display: 'Measles-mumps-rubella vaccine' }; }],
  'immunization-vaccine-code': [(r) => { r.vaccineCode.coding[0].code = '9300578'; }],
  'immunization-patient': [(r) => keepDisplayOnly(r.patient)],
  // occurrence[x] is required by R4: the date is sent as a string instead of a dateTime.
  'immunization-occurrence': [(r) => { r.occurrenceString = r.occurrenceDateTime.slice(0, 10); delete r.occurrenceDateTime; }],
  'immunization-primary-source': [(r) => { delete r.primarySource; }],
  'immunization-encounter': [(r) => { delete r.encounter; }],
  'immunization-performer': [(r) => keepDisplayOnly(r.performer[0].actor)],
  'immunization-location': [(r) => { delete r.location; }],
  'immunization-lot-number': [(r) => { delete r.lotNumber; }],
  'immunization-expiration-date': [(r) => { delete r.expirationDate; }],
  'immunization-expiration-after': [(r) => { r.expirationDate = '2025-03-01'; }],
  'immunization-reason': [(r) => { r.reasonCode = [coding(SNOMED, '171257003', 'Measles vaccination')]; }],
  'immunization-occurrence-utc': [(r) => { r.occurrenceDateTime = wib(r.occurrenceDateTime); }],
  'immunization-status': [(r) => { delete r.status; }, ['r4.required']],

  // ---- Medication
  'medication-code-system': [(r) => { r.code.coding[0] = { system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '308135', display: 'amlodipine 10 MG Oral Tablet' }; }],
  'medication-code': [(r) => { delete r.code; }],
  'medication-code-kfa': [(r) => { r.code.coding[0].code = r.code.coding[0].code.slice(1); }],
  'medication-form': [(r) => { r.form = coding(SNOMED, '385055001', 'Tablet'); }],
  'medication-ingredient-system': [(r) => { r.ingredient[0].itemCodeableConcept.coding[0] = { system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '17767', display: 'amlodipine' }; }],
  'medication-ingredient-kfa': [(r) => { r.ingredient[0].itemCodeableConcept.coding[0].code = '93000483'; }],
  'medication-type': [(r) => { delete r.extension; }],
  'medication-strength-numerator': [(r) => { r.ingredient[0].strength.numerator.system = 'http://terminology.hl7.org/CodeSystem/v3-orderableDrugForm'; }],
  'medication-strength-denominator': [(r) => { r.ingredient[0].strength.denominator.system = 'http://hl7.org/fhir/ValueSet/ucum-units'; }],

  // ---- MedicationRequest
  'medication-request-subject': [(r) => keepDisplayOnly(r.subject)],
  'medication-request-encounter': [(r) => { delete r.encounter; }],
  'medication-request-authored-utc': [(r) => { r.authoredOn = wib(r.authoredOn); }],

  // ---- MedicationDispense
  'medication-dispense-medication': [(r) => keepDisplayOnly(r.medicationReference)],
  'medication-dispense-subject': [(r) => keepDisplayOnly(r.subject)],
  'medication-dispense-category': [(r) => { r.category.coding[0].system = 'http://terminology.hl7.org/CodeSystem/medicationrequest-category'; }],
  'medication-dispense-quantity-system': [(r) => { r.quantity.system = 'http://unitsofmeasure.org'; r.quantity.code = '{tbl}'; }],
  'medication-dispense-days-supply': [(r) => { r.daysSupply.system = 'http://terminology.hl7.org/CodeSystem/v3-TimingEvent'; }],
  'medication-dispense-prepared-utc': [(r) => { r.whenPrepared = wib(r.whenPrepared); }],
  'medication-dispense-handed-over-utc': [(r) => { r.whenHandedOver = wib(r.whenHandedOver); }],
  'medication-dispense-status': [(r) => { delete r.status; }, ['r4.required']],

  // ---- ServiceRequest
  'service-request-subject': [(r) => keepDisplayOnly(r.subject)],
  'service-request-encounter': [(r) => { delete r.encounter; }],
  'service-request-code': [(r) => { for (const c of r.code.coding) c.system = 'http://acme.example/lab-tests'; }],
  'service-request-reason': [(r) => { r.reasonCode[0].coding[0].system = 'http://terminology.kemkes.go.id/CodeSystem/clinical-term'; }],
  'service-request-occurrence-utc': [(r) => { r.occurrenceDateTime = wib(r.occurrenceDateTime); }],
  'service-request-authored-utc': [(r) => { r.authoredOn = wib(r.authoredOn); }],
  'service-request-intent': [(r) => { delete r.intent; }, ['r4.required']],
  'service-request-status': [(r) => { delete r.status; }, ['r4.required']],
  'service-request-body-site': [(r) => { r.bodySite[0].coding[0].system = 'http://terminology.hl7.org/CodeSystem/body-site'; }],

  // ---- Specimen
  'specimen-subject': [(r) => keepDisplayOnly(r.subject)],
  'specimen-type': [(r) => { r.type.coding[0].system = 'http://terminology.hl7.org/CodeSystem/v2-0487'; r.type.coding[0].code = 'SER'; r.type.coding[0].display = 'Serum'; }],
  'specimen-collected-utc': [(r) => { r.collection.collectedDateTime = wib(r.collection.collectedDateTime); }],
  'specimen-received-utc': [(r) => { r.receivedTime = wib(r.receivedTime); }],
  'specimen-status': [(r) => { delete r.status; }],
  'specimen-collection-method': [(r) => { r.collection.method = coding('http://terminology.hl7.org/CodeSystem/v2-0488', 'VENIP', 'Venipuncture'); }],
  'specimen-fasting-status': [(r) => { r.collection.fastingStatusCodeableConcept = coding(SNOMED, '16985007', 'Fasting'); }],

  // ---- DiagnosticReport
  'diagnostic-report-subject': [(r) => keepDisplayOnly(r.subject)],
  'diagnostic-report-encounter': [(r) => { delete r.encounter; }],
  'diagnostic-report-code': [(r) => { for (const c of r.code.coding) c.system = SNOMED; }],
  'diagnostic-report-category': [(r) => { r.category[0] = coding(SNOMED, '4241000179101', 'Laboratory report'); }],
  'diagnostic-report-issued-utc': [(r) => { r.issued = wib(r.issued); }],
  'diagnostic-report-status': [(r) => { delete r.status; }, ['r4.required']],

  // ---- EpisodeOfCare
  'episode-of-care-type': [(r) => { r.type[0].coding[0].system = 'http://terminology.kemkes.go.id/CodeSystem/episode-of-care-type'; }],
  'episode-of-care-patient': [(r) => keepDisplayOnly(r.patient)],
  'episode-of-care-status': [(r) => { delete r.status; }, ['r4.required']],
  'episode-of-care-diagnosis-role': [(r) => { r.diagnosis[0].role = coding(SNOMED, '409586006', 'Complaint'); }],

  // ---- QuestionnaireResponse
  'questionnaire-response-questionnaire': [(r) => { delete r.questionnaire; }],
  'questionnaire-response-published': [(r) => { r.questionnaire = 'https://fhir.kemkes.go.id/Questionnaire/Q9999'; }],
  'questionnaire-response-subject': [(r) => keepDisplayOnly(r.subject)],
  'questionnaire-response-author': [(r) => keepDisplayOnly(r.author)],
  'questionnaire-response-source': [(r) => { r.source.display = 'Pasien'; delete r.source.reference; }],
  'questionnaire-response-status': [(r) => { delete r.status; }, ['r4.required']],

  // ---- Patient
  'patient-address': [(r) => { delete r.address; }],
  'patient-name-text': [(r) => { r.name[0].given = ['Bayi Ny. Rahmawati II']; delete r.name[0].text; }],
  'patient-multiple-birth': [(r) => { delete r.multipleBirthInteger; }],

  // ---- Composition
  'composition-status': [(r) => { delete r.status; }, ['r4.required']],
  'composition-type': [(r) => { r.type.coding[0].system = SNOMED; r.type.coding[0].code = '373942005'; r.type.coding[0].display = 'Discharge summary'; }],
  'composition-category': [(r) => { r.category[0].coding[0].system = 'http://terminology.hl7.org/CodeSystem/composition-category'; }],
  'composition-section-code': [(r) => { r.section[0].code.coding[0].system = SNOMED; r.section[0].code.coding[0].code = '182922004'; r.section[0].code.coding[0].display = 'Dietary regime'; }],
  'composition-subject': [(r) => keepDisplayOnly(r.subject)],
  'composition-date': [(r) => { delete r.date; }, ['r4.required']],
  'composition-author': [(r) => keepDisplayOnly(r.author[0])],
  'composition-title': [(r) => { delete r.title; }, ['r4.required']],

  // ---- AllergyIntolerance
  'allergy-category': [(r) => { delete r.category; }],
  'allergy-clinical-status': [(r) => { r.clinicalStatus.coding[0].system = 'http://terminology.hl7.org/CodeSystem/condition-clinical'; }, ['r4.binding']],
  'allergy-code': [(r) => { delete r.code; }],
  'allergy-code-system': [(r) => { r.code.coding[0].system = 'http://terminology.kemkes.go.id/CodeSystem/allergy'; }],
  'allergy-verification-status': [(r) => { r.verificationStatus.coding[0].system = 'http://terminology.hl7.org/CodeSystem/condition-ver-status'; }, ['r4.binding']],
  'allergy-patient': [(r) => keepDisplayOnly(r.patient)],
  'allergy-recorded-utc': [(r) => { r.recordedDate = wib(r.recordedDate); }],

  // ---- ClinicalImpression
  'clinical-impression-status': [(r) => { delete r.status; }, ['r4.required']],
  'clinical-impression-investigation': [(r) => { r.investigation[0].code = coding('http://loinc.org', '29545-1', 'Physical findings Narrative'); }],
  'clinical-impression-finding': [(r) => { r.finding[0].itemCodeableConcept.coding[0].system = 'http://hl7.org/fhir/sid/icd-10-cm'; }],
  'clinical-impression-prognosis': [(r) => { delete r.prognosisCodeableConcept; }],
  'clinical-impression-prognosis-system': [(r) => { r.prognosisCodeableConcept[0].coding[0].system = 'http://terminology.hl7.org/CodeSystem/prognosis'; }],
  'clinical-impression-subject': [(r) => keepDisplayOnly(r.subject)],
  'clinical-impression-encounter': [(r) => { delete r.encounter; }],

  // ---- CarePlan
  'care-plan-status': [(r) => { delete r.status; }, ['r4.required']],
  'care-plan-intent': [(r) => { delete r.intent; }, ['r4.required']],
  'care-plan-created-utc': [(r) => { r.created = wib(r.created); }],
  'care-plan-description': [(r) => { delete r.description; }],
  'care-plan-title': [(r) => { delete r.title; }],
  'care-plan-category': [(r) => { r.category[0].coding[0].system = 'http://hl7.org/fhir/us/core/CodeSystem/careplan-category'; }],
};

// rules.yaml is read for each rule's id and type only; a line-based read is enough for that.
const rules = [];
for (const line of readFileSync(RULES, 'utf8').split('\n')) {
  const id = /^ {2}- id: *(\S+)/.exec(line);
  if (id) rules.push({ id: id[1], type: null });
  const type = /^ {4}type: *(\S+)/.exec(line);
  if (type && rules.length > 0 && rules[rules.length - 1].type === null) rules[rules.length - 1].type = type[1];
}

const problems = [];
const ids = new Set(rules.map((r) => r.id));
for (const id of Object.keys(CHANGES)) if (!ids.has(id)) problems.push(`${id}: a change is listed but rules.yaml has no such rule`);
for (const { id, type } of rules) {
  if (!CHANGES[id]) problems.push(`${id}: no change listed for this rule (add one to CHANGES)`);
  if (!existsSync(join(VALID, `${type}.json`))) problems.push(`${id}: no valid example valid/${type}.json`);
}
if (problems.length > 0) {
  process.stderr.write(problems.map((p) => `make-invalid: ${p}\n`).join(''));
  process.exit(1);
}

// Files of rules that are gone would be stale: the directory is rewritten as a whole.
for (const name of readdirSync(INVALID)) {
  if (name.endsWith('.json') || name.endsWith('.also')) unlinkSync(join(INVALID, name));
}
for (const { id, type } of rules) {
  const r = JSON.parse(readFileSync(join(VALID, `${type}.json`), 'utf8'));
  const [change, also = []] = CHANGES[id];
  change(r);
  writeFileSync(join(INVALID, `${id}.json`), `${JSON.stringify(r, null, 2)}\n`);
  if (also.length > 0) writeFileSync(join(INVALID, `${id}.also`), `${also.join('\n')}\n`);
}
process.stdout.write(`make-invalid: ${rules.length} invalid examples written to ${INVALID}\n`);
