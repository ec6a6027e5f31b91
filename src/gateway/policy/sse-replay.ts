// Caches keep answers in their non-streamed JSON form. A streamed answer is assembled back into that
// form as it passes (StreamAssembler); a streaming request served from a cache gets the JSON replayed
// as OpenAI-style SSE chunks (answerToSse), which every OpenAI SDK reads like a live stream.

import type { StreamWatcher } from "./types.js";

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function data(event: unknown): string {
  return `data: ${JSON.stringify(event)}\n\n`;
}

/** The SSE body for a cached chat or text completion; `includeUsage` adds the final usage chunk. */
export function answerToSse(answer: Json, includeUsage: boolean): string {
  const chat = answer.object === "chat.completion";
  const base = {
    id: answer.id,
    object: chat ? "chat.completion.chunk" : "text_completion",
    created: answer.created,
    model: answer.model,
    ...(answer.system_fingerprint === undefined ? {} : { system_fingerprint: answer.system_fingerprint }),
  };
  const choices = Array.isArray(answer.choices) ? answer.choices.filter(isObject) : [];
  let out = "";
  for (const choice of choices) {
    const index = choice.index ?? 0;
    if (chat) {
      const message = isObject(choice.message) ? choice.message : {};
      const delta: Json = { role: message.role ?? "assistant", content: message.content ?? "" };
      if (Array.isArray(message.tool_calls)) {
        delta.tool_calls = message.tool_calls.map((call, i) => (isObject(call) ? { index: i, ...call } : call));
      }
      if (message.refusal !== undefined) delta.refusal = message.refusal;
      out += data({ ...base, choices: [{ index, delta, logprobs: null, finish_reason: null }] });
      out += data({
        ...base,
        choices: [{ index, delta: {}, logprobs: null, finish_reason: choice.finish_reason ?? "stop" }],
      });
    } else {
      out += data({ ...base, choices: [{ index, text: choice.text ?? "", logprobs: null, finish_reason: null }] });
      out += data({
        ...base,
        choices: [{ index, text: "", logprobs: null, finish_reason: choice.finish_reason ?? "stop" }],
      });
    }
  }
  if (includeUsage && isObject(answer.usage)) out += data({ ...base, choices: [], usage: answer.usage });
  return `${out}data: [DONE]\n\n`;
}

interface ChoiceState {
  index: number;
  role: string;
  content: string;
  finishReason: unknown;
}

/**
 * Rebuilds the JSON answer of a chat or text completion stream from its events. Gives up (result()
 * is undefined) on anything it cannot rebuild faithfully: tool calls, logprobs, unknown event shapes.
 */
export class StreamAssembler {
  private readonly choices = new Map<number, ChoiceState>();
  private head: Json | undefined;
  private usage: unknown;
  private broken = false;

  push(event: Json): void {
    if (this.broken) return;
    if (event.error !== undefined) {
      this.broken = true;
      return;
    }
    this.head ??= event;
    if (isObject(event.usage)) this.usage = event.usage;
    if (!Array.isArray(event.choices)) return;
    for (const choice of event.choices) {
      if (!isObject(choice) || typeof choice.index !== "number") {
        this.broken = true;
        return;
      }
      if (choice.logprobs !== undefined && choice.logprobs !== null) this.broken = true;
      let state = this.choices.get(choice.index);
      if (state === undefined) {
        state = { index: choice.index, role: "assistant", content: "", finishReason: null };
        this.choices.set(choice.index, state);
      }
      if (isObject(choice.delta)) {
        const delta = choice.delta;
        if (delta.tool_calls !== undefined || delta.function_call !== undefined) this.broken = true;
        if (typeof delta.role === "string") state.role = delta.role;
        if (typeof delta.content === "string") state.content += delta.content;
      } else if (typeof choice.text === "string") state.content += choice.text;
      if (choice.finish_reason !== undefined && choice.finish_reason !== null)
        state.finishReason = choice.finish_reason;
    }
  }

  /** The JSON answer, or undefined when the stream could not be rebuilt (or did not finish). */
  result(): Json | undefined {
    const head = this.head;
    if (this.broken || head === undefined || this.choices.size === 0) return undefined;
    const chat = head.object === "chat.completion.chunk";
    const choices = [...this.choices.values()].sort((a, b) => a.index - b.index);
    if (choices.some((choice) => choice.finishReason === null)) return undefined;
    return {
      id: head.id,
      object: chat ? "chat.completion" : "text_completion",
      created: head.created,
      model: head.model,
      choices: choices.map((choice) =>
        chat
          ? {
              index: choice.index,
              message: { role: choice.role, content: choice.content },
              finish_reason: choice.finishReason,
            }
          : { index: choice.index, text: choice.content, finish_reason: choice.finishReason },
      ),
      ...(this.usage === undefined ? {} : { usage: this.usage }),
    };
  }
}

/** A stream watcher that hands the rebuilt answer (JSON text) to `save` when a stream completes intact. */
export function assemblingWatcher(save: (answer: string) => void): StreamWatcher {
  const assembler = new StreamAssembler();
  return {
    chunk(chunk) {
      for (const event of chunk.events) assembler.push(event);
      return undefined;
    },
    end: (completed) => {
      const answer = completed ? assembler.result() : undefined;
      if (answer !== undefined) save(JSON.stringify(answer));
    },
  };
}
