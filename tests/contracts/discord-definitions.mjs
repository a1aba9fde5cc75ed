// The official definitions of the Discord answers ClanStats reads, from discord-api-spec (types
// and Zod schemas generated from Discord's OpenAPI document).
//
// Each definition is named by its OpenAPI operation id (`list_messages`, `get_guild`, ...).
// Its schema is built from the 200 answer `Paths` declares for that operation in the package's
// discord-api-spec.ts (e.g. `MessageResponse[] | null`), out of the package's Zod schemas
// (`MessageResponseSchema`): nothing here restates a field.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as z from "zod/mini";
import * as S from "discord-api-spec/zod";

const PACKAGE = "discord-api-spec";
// The package exports no ./package.json: find its folder from its main module.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.resolve(PACKAGE))), "..");
export const VERSION = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).version;

// Operation id -> [method, path]: the requests discord.py makes for ClanStats' harvest.
export const OPERATIONS = {
  get_my_user: ["get", "/users/@me"],
  get_my_oauth2_application: ["get", "/oauth2/applications/@me"],
  get_guild: ["get", "/guilds/{guild_id}"],
  list_guild_channels: ["get", "/guilds/{guild_id}/channels"],
  get_active_guild_threads: ["get", "/guilds/{guild_id}/threads/active"],
  list_guild_members: ["get", "/guilds/{guild_id}/members"],
  get_channel: ["get", "/channels/{channel_id}"],
  list_messages: ["get", "/channels/{channel_id}/messages"],
  list_public_archived_threads: ["get", "/channels/{channel_id}/threads/archived/public"],
  // Not discord.py's: ClanStats' sync posts the weekly summary through a channel webhook.
  execute_webhook: ["post", "/webhooks/{webhook_id}/{webhook_token}"],
};

/** The TypeScript text of an operation's 200 answer, read from the package's `Paths`. */
function answerType(source, operation) {
  const comment = `/** 200 response for ${operation} */`;
  const at = source.indexOf(comment);
  if (at < 0) throw new Error(`${PACKAGE} ${VERSION} has no 200 answer for ${operation}`);
  const rest = source.slice(at + comment.length);
  const match = /^\s*"200":\s*([^;]+);/.exec(rest);
  if (!match) throw new Error(`can't read the 200 answer of ${operation}`);
  return match[1].replace(/\s+/g, " ").trim();
}

/** Check that the comment found sits under the operation's own method and path. */
function checkPlace(source, operation, [method, route]) {
  const pathAt = source.indexOf(`\n  ${JSON.stringify(route)}: {`);
  const commentAt = source.indexOf(`/** 200 response for ${operation} */`);
  const nextPath = source.slice(pathAt + 1).search(/\n  "\//);
  const end = nextPath < 0 ? source.length : pathAt + 1 + nextPath;
  const methodAt = source.indexOf(`\n    ${method}: {`, pathAt);
  if (pathAt < 0 || commentAt < methodAt || commentAt > end || methodAt > end) {
    throw new Error(`${operation} is not ${method.toUpperCase()} ${route} in ${PACKAGE}`);
  }
}

/** Turn a type such as `(A | B)[] | null` into a Zod schema made of the package's schemas. */
function toSchema(text) {
  const tokens = text.match(/[A-Za-z_][A-Za-z0-9_]*|\[\]|[()|]/g);
  let position = 0;
  const peek = () => tokens[position];
  function union() {
    if (peek() === "|") position += 1; // a leading bar, as formatters write long unions
    const members = [postfix()];
    while (peek() === "|") {
      position += 1;
      members.push(postfix());
    }
    return members.length === 1 ? members[0] : z.union(members);
  }
  function postfix() {
    let schema = primary();
    while (peek() === "[]") {
      position += 1;
      schema = z.array(schema);
    }
    return schema;
  }
  function primary() {
    const token = tokens[position++];
    if (token === "(") {
      const inner = union();
      if (tokens[position++] !== ")") throw new Error(`unbalanced type: ${text}`);
      return inner;
    }
    if (token === "null") return z.null();
    const schema = S[`${token}Schema`];
    if (!schema) throw new Error(`${PACKAGE} has no ${token}Schema (in ${text})`);
    return schema;
  }
  const schema = union();
  if (position !== tokens.length) throw new Error(`can't read type: ${text}`);
  return schema;
}

let cache = null;

/** {operation: {type, schema}} for every operation ClanStats' harvest calls. */
export function discordDefinitions() {
  if (cache) return cache;
  const source = fs.readFileSync(path.join(root, "build", "discord-api-spec.ts"), "utf8");
  cache = {};
  for (const [operation, place] of Object.entries(OPERATIONS)) {
    checkPlace(source, operation, place);
    const type = answerType(source, operation);
    cache[operation] = { type, schema: toSchema(type) };
  }
  return cache;
}

/** Write JSON Schemas of the definitions (for generating instances): OUT_DIR/discord.schema.json. */
export function writeDiscordSchemas(outDir) {
  fs.mkdirSync(outDir, { recursive: true });
  const definitions = {};
  for (const [operation, { type, schema }] of Object.entries(discordDefinitions())) {
    const json = z.toJSONSchema(schema, {
      target: "draft-7",
      io: "output",
      unrepresentable: "any",
      cycles: "ref",
      reused: "inline",
    });
    definitions[operation] = { ...json, description: `${PACKAGE} ${VERSION}: ${type}` };
  }
  const outFile = path.join(outDir, "discord.schema.json");
  fs.writeFileSync(outFile, JSON.stringify({ $comment: `${PACKAGE} ${VERSION}`, definitions }));
  return { outFile, version: VERSION, definitions: Object.keys(definitions) };
}
