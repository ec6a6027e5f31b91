// Chat with a model served by `llmops up` through the official OpenAI SDK (npm i openai).
//   LLMOPS_KEY=$(cat .llmops/admin.key) node examples/chat.mjs "Hello there"
import OpenAI from "openai";

const client = new OpenAI({
  baseURL: process.env.LLMOPS_BASE_URL ?? "http://127.0.0.1:8080/v1",
  apiKey: process.env.LLMOPS_KEY,
});
const model = process.env.LLMOPS_MODEL ?? "llmops-tiny";

const stream = await client.chat.completions.create({
  model,
  messages: [{ role: "user", content: process.argv[2] ?? "Hello" }],
  max_tokens: 32,
  stream: true,
  stream_options: { include_usage: true },
});
for await (const chunk of stream) {
  process.stdout.write(chunk.choices[0]?.delta?.content ?? "");
  if (chunk.usage)
    console.log(`\n\n${chunk.usage.prompt_tokens} prompt + ${chunk.usage.completion_tokens} completion tokens`);
}
