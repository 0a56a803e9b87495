// One Node process of the mixed-language fleet test (bindings/cli/tests/fleet_mixed.rs).
//
// Makes CALLS chat calls at once through the catalog at CONFIG (the fleet's Redis store in
// it), waits until every settle has reached the store, and prints one JSON line: calls
// answered, calls refused with the typed BudgetExceededError, and every other failure by kind.
// Loads the package the Node suite built in node/ (its addon and dist/).
//
// Usage: node worker.mjs CONFIG MODEL CALLS
import { BudgetExceededError, Foundry } from '../../node/index.mjs';

const [config, model, calls] = process.argv.slice(2);
const client = new Foundry({ config, env: {} });
let answered = 0;
let refused = 0;
const errors = {};
let firstError = null;
await Promise.all(
  Array.from({ length: Number(calls) }, async () => {
    try {
      await client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'Status report please' }],
        max_tokens: 1,
      });
      answered += 1;
    } catch (e) {
      if (e instanceof BudgetExceededError) {
        refused += 1;
        return;
      }
      // Every other failure is counted and reported, by kind.
      const kind = e?.kind ?? e?.constructor?.name ?? 'unknown';
      errors[kind] = (errors[kind] ?? 0) + 1;
      firstError ??= String(e);
    }
  }),
);
await client.settled();
console.log(JSON.stringify({ language: 'node', answered, refused, errors, first_error: firstError }));
