// Validate recorded JSON answers against the official definitions; print a JSON report.
//
//   node validate.mjs SCHEMA_DIR BODIES_DIR
//
// SCHEMA_DIR holds wom.schema.json (from `node schemas.mjs SCHEMA_DIR`). BODIES_DIR holds one
// file per recorded answer: {"api": "wom" | "discord", "definition": NAME, "body": ANSWER}, where
// NAME is a definition of wom.schema.json (GetGroupDetails, ...) or a Discord operation id
// (list_messages, ...). The report, on stdout:
//   {"versions": {...}, "results": {FILE: {"api", "definition", "valid", "errors": [...]}}}
// each error {"path": "/0/user/flags", "message": "..."}, a JSON pointer into the body.
//
// Strictness, alike for both APIs: every field the definition requires must be there, with the
// declared type, and no field the definition doesn't declare may appear (a simulator inventing
// fields hides the real shape as surely as one leaving fields out). WOM: Ajv on the JSON Schema
// generated from @wise-old-man/utils (`Date` is an ISO 8601 string, `format: date-time`).
// Discord: discord-api-spec's Zod schemas; an undeclared field is one Zod strips from its output.
// Zod's generated `z.iso.datetime()` takes only `Z` times, where the OpenAPI document says
// `format: date-time` (RFC 3339, offsets allowed) and Discord sends `+00:00`: a time's offset is
// written `Z` before validating, so the rest of it (date, time, fraction) is still checked.
// Undeclared fields are looked for once the answer passes the schema.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import * as z from "zod/mini";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { discordDefinitions, VERSION as DISCORD_VERSION } from "./discord-definitions.mjs";

const require = createRequire(import.meta.url);
const MAX_ERRORS = 50;
z.config(z.locales.en()); // zod/mini ships messages in no language until told
const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?)([+-]\d{2}:\d{2})$/;

function womValidator(schemaDir) {
  const schema = JSON.parse(fs.readFileSync(path.join(schemaDir, "wom.schema.json"), "utf8"));
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  ajv.addSchema(schema, "wom");
  const compiled = new Map();
  return (definition, body) => {
    if (!schema.definitions[definition]) {
      return [{ path: "", message: `no WOM definition named ${definition}` }];
    }
    if (!compiled.has(definition)) {
      compiled.set(definition, ajv.getSchema(`wom#/definitions/${definition}`));
    }
    const validate = compiled.get(definition);
    if (validate(body)) return [];
    return validate.errors.map((error) => {
      if (error.keyword === "additionalProperties") {
        const field = error.params.additionalProperty;
        return { path: `${error.instancePath}/${field}`, message: "field not in the definition" };
      }
      if (error.keyword === "required") {
        const field = error.params.missingProperty;
        return { path: `${error.instancePath}/${field}`, message: "required field missing" };
      }
      const allowed = error.params.allowedValues ? `: ${error.params.allowedValues.length} values` : "";
      return { path: error.instancePath, message: `${error.message}${allowed}` };
    });
  };
}

/** A copy of a Discord answer with each `+hh:mm` offset written `Z`, for Zod's time check. */
function zuluTimes(value) {
  if (typeof value === "string") {
    const match = RFC3339.exec(value);
    return match ? `${match[1]}Z` : value;
  }
  if (Array.isArray(value)) return value.map(zuluTimes);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, zuluTimes(v)]));
  }
  return value;
}

/** Pointers to the fields of `input` that Zod's output dropped: fields not in the definition. */
function undeclared(input, output, pointer, found) {
  if (Array.isArray(input) && Array.isArray(output)) {
    input.forEach((item, i) => undeclared(item, output[i], `${pointer}/${i}`, found));
  } else if (input && typeof input === "object" && output && typeof output === "object") {
    for (const [key, value] of Object.entries(input)) {
      const where = `${pointer}/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`;
      if (!(key in output)) found.push({ path: where, message: "field not in the definition" });
      else undeclared(value, output[key], where, found);
    }
  }
  return found;
}

/** Whether a union member's issues only say the answer is another kind of value altogether. */
function otherKind(issues) {
  return (
    issues.length === 1 &&
    issues[0].path.length === 0 &&
    ["invalid_type", "invalid_value"].includes(issues[0].code)
  );
}

function zodIssues(issues, prefix = []) {
  const out = [];
  for (const issue of issues) {
    const at = [...prefix, ...issue.path];
    if (issue.code === "invalid_union" && Array.isArray(issue.errors) && issue.errors.length) {
      // Report the member that came closest, not every member's complaints: one of the right
      // kind of value (an array, not null), then the one with the fewest issues.
      const ranked = [...issue.errors].sort(
        (a, b) => otherKind(a) - otherKind(b) || a.length - b.length,
      );
      out.push(...zodIssues(ranked[0], at));
      continue;
    }
    const pointer = at.length ? "/" + at.join("/") : "";
    const missing = issue.code === "invalid_type" && issue.input === undefined;
    out.push({ path: pointer, message: missing ? "required field missing" : issue.message });
  }
  return out;
}

function discordValidator() {
  const definitions = discordDefinitions();
  return (definition, body) => {
    const found = definitions[definition];
    if (!found) return [{ path: "", message: `no Discord definition named ${definition}` }];
    const input = zuluTimes(body);
    const result = found.schema.safeParse(input, { reportInput: true });
    if (!result.success) return zodIssues(result.error.issues);
    return undeclared(input, result.data, "", []);
  };
}

function main() {
  const [schemaDir, bodiesDir] = process.argv.slice(2);
  if (!schemaDir || !bodiesDir) {
    console.error("usage: node validate.mjs SCHEMA_DIR BODIES_DIR");
    process.exit(2);
  }
  const validators = { wom: womValidator(schemaDir), discord: discordValidator() };
  const results = {};
  for (const file of fs.readdirSync(bodiesDir).filter((f) => f.endsWith(".json")).sort()) {
    const recorded = JSON.parse(fs.readFileSync(path.join(bodiesDir, file), "utf8"));
    const validate = validators[recorded.api];
    const errors = validate
      ? validate(recorded.definition, recorded.body)
      : [{ path: "", message: `unknown api ${recorded.api}` }];
    results[file] = {
      api: recorded.api,
      definition: recorded.definition,
      valid: errors.length === 0,
      error_count: errors.length,
      errors: errors.slice(0, MAX_ERRORS),
    };
  }
  const versions = {
    "@wise-old-man/utils": require("@wise-old-man/utils/package.json").version,
    "discord-api-spec": DISCORD_VERSION,
  };
  process.stdout.write(JSON.stringify({ versions, results }) + "\n");
}

main();
