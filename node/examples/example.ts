// A typed tour of the package, checked by `tsc --noEmit --strict` in scripts/test_node.sh.
// Code written for the `openai` package's `AzureOpenAI` moves by changing the constructor.
import {
  ContentFilterError,
  Foundry,
  FoundryError,
  RateLimitError,
  type ChatCompletionMessageParam,
  type FoundryEvent,
} from 'foundry-client';

async function main(): Promise<void> {
  const client = new Foundry({
    config: 'foundry.yaml',
    onEvent: (event: FoundryEvent) => {
      if (event.type === 'result') console.log(event.deployment, event.costUsd, event.usage.totalTokens);
      else if (event.type === 'attempt') console.log(event.attempt, event.status, event.retryInMs, event.queuedMs);
      else if (event.type === 'budget_alert') console.log(event.scope, event.threshold, event.spentUsd);
    },
  });
  const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: 'Hello' }];

  const r = await client.chat.completions.create({ model: 'gpt-5.4', messages, max_tokens: 200 });
  const content: string | null = r.choices[0].message.content;
  const prompt: number = r.usage.prompt_tokens;
  console.log(content, prompt, r.text, r.reasoning, r.costUsd, r.deployment, r.attempts, r.requestId);
  console.log(r.contentFilter.categories, r.toolCalls.map((c) => c.name), r.normalized.usage.input_tokens);

  const stream = await client.chat.completions.create({ model: 'Kimi-K2.6', messages, stream: true });
  for await (const chunk of stream) {
    process.stdout.write(chunk.choices[0]?.delta.content ?? '');
    // @ts-expect-error a chunk carries a delta, not a message
    console.log(chunk.choices[0].message);
  }
  const final = await stream.finalResult();
  console.log(final.usage.completion_tokens, final.costUsd);

  const controller = new AbortController();
  setTimeout(() => controller.abort(), 1000);
  await client.chat.completions.create({ model: 'gpt-5.4', messages }, { signal: controller.signal });

  const response = await client.responses.create({ model: 'gpt-5.1-codex', input: 'Plan the report' });
  console.log(response.output_text, response.usage?.input_tokens, response.costUsd);

  const embeddings = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'] });
  console.log(embeddings.data[0].embedding, embeddings.usage.prompt_tokens);

  for (const d of client.deployments()) console.log(d.name, d.shape, d.responsesOnly, d.pricing.output);
  for (const s of await client.smoke()) console.log(s.deployment, s.ok, s.latencyMs);

  try {
    await client.chat.completions.create({ model: 'gpt-5.4', messages });
  } catch (e) {
    if (e instanceof RateLimitError) console.log(e.retryAfter, e.retryable);
    else if (e instanceof ContentFilterError) console.log(e.categories);
    else if (e instanceof FoundryError) console.log(e.kind, e.code, e.status, e.deployment, e.requestId, e.hint, e.cause);
    else throw e;
  }

  // @ts-expect-error `model` is required
  await client.chat.completions.create({ messages });
  // @ts-expect-error a non-streamed answer is not iterable
  for await (const x of await client.chat.completions.create({ model: 'gpt-5.4', messages })) console.log(x);
  // @ts-expect-error unknown parameters are typos (extra_body carries real extras)
  await client.chat.completions.create({ model: 'gpt-5.4', messages, max_token: 5 });
  await client.chat.completions.create({ model: 'gpt-5.4', messages, extra_body: { top_k: 5 } });

  // Governance: a scoped handle with its own budget, models and rate limit; priority queues.
  const bot = client.scope('bot', {
    models: ['gpt-5.4'],
    budget: { hardUsd: 25, window: 'month', timeZone: 'Europe/Berlin', soft: [0.8] },
    rpm: 60,
    tags: { team: 'search' },
  });
  await bot.chat.completions.create({ model: 'gpt-5.4', messages, priority: 'low' });
  const path: string | null = bot.scopePath;
  for (const line of client.spend()) console.log(path, line.scope, line.spentUsd, line.capUsd);
  for (const line of client.limits()) console.log(line.limits, line.tokensAvailable, line.queued);
  bot.revoke();
  // @ts-expect-error priority is high, normal or low
  await client.chat.completions.create({ model: 'gpt-5.4', messages, priority: 'urgent' });

  const fromEnv = new Foundry();
  const fromEndpoint = new Foundry({
    endpoint: 'https://res.cognitiveservices.azure.com/',
    apiKey: 'made-up-key',
    apiVersion: '2024-10-21',
    defaultHeaders: { 'x-team': 'ads' },
    timeout: 30_000, // milliseconds, as openai-node's
    maxRetries: 2,
  });
  const withEntra = new Foundry({ endpoint: 'https://res.cognitiveservices.azure.com/', azureADTokenProvider: async () => 'a-token' });
  const patient = fromEndpoint.withOptions({ timeout: 120_000, maxRetries: 0 });
  console.log(withEntra, patient);
  const fromCatalog = Foundry.fromCatalog({ deployments: [{ name: 'gpt-5.4', endpoint: 'https://res.cognitiveservices.azure.com/' }] });
  console.log(fromEnv, fromEndpoint, fromCatalog, Foundry.fromConfig('foundry.yaml', { env: { KEY: 'v' } }));
}

void main();
