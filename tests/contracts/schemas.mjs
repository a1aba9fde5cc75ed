// Write the JSON Schemas of every official definition the simulator is checked against.
//
//   node schemas.mjs OUT_DIR   -> OUT_DIR/wom.schema.json, OUT_DIR/discord.schema.json
//
// Prints {"wom": {...}, "discord": {...}} with each file, package version and definition names.
import { writeWomSchemas } from "./wom-schemas.mjs";
import { writeDiscordSchemas } from "./discord-definitions.mjs";

const outDir = process.argv[2];
if (!outDir) {
  console.error("usage: node schemas.mjs OUT_DIR");
  process.exit(2);
}
const report = { wom: writeWomSchemas(outDir), discord: writeDiscordSchemas(outDir) };
process.stdout.write(JSON.stringify(report) + "\n");
